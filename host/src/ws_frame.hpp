// RFC 6455 framing for the server side: parse masked client frames, write unmasked server frames.
// Pure functions over bytes, so the socket code stays small and the codec is tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace glasshub::host::ws {

enum class opcode : uint8_t { cont = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes this server sends or reports (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr uint16_t normal = 1000, going_away = 1001, protocol_error = 1002,
                          no_status = 1005, abnormal = 1006, bad_payload = 1007,
                          policy_error = 1008, too_big = 1009, internal_error = 1011,
                          try_again_later = 1013;
}

// Largest header a server frame can have (no mask): 2 + 8 bytes.
inline constexpr std::size_t max_header = 10;

// Appends the header of one unfragmented, unmasked frame of `payload_size` bytes.
void append_header(std::string& out, opcode op, std::size_t payload_size);
// The same header at `out` (max_header bytes of room); returns its length.
std::size_t write_header(char* out, opcode op, std::size_t payload_size) noexcept;
// Appends one whole frame (header and payload).
inline void append_frame(std::string& out, opcode op, std::string_view payload) {
  append_header(out, op, payload.size());
  out.append(payload);
}
// Appends a close frame: code (none when no_status) and reason, cut to fit 125 bytes without
// splitting a UTF-8 sequence.
void append_close(std::string& out, uint16_t code, std::string_view reason);

struct frame {
  opcode op;
  bool fin;
  char* payload;  // unmasked in place
  std::size_t size;
  std::size_t header_size;  // the bytes just before `payload` that held the header and mask
};

enum class parse_status {
  complete,    // `out` holds a frame; `consumed` bytes were used
  incomplete,  // need more bytes; `needed` is the whole frame's size when the header is known
  error,       // `error_code` says which close code the violation calls for
};

struct parse_result {
  parse_status status;
  std::size_t consumed = 0;
  std::size_t needed = 0;
  uint16_t error_code = 0;
  frame out{};
};

// Parses (and unmasks in place) the frame at the start of [data, data + size). A payload above
// `max_payload` is refused as soon as its header is seen, before its bytes arrive.
parse_result parse(char* data, std::size_t size, std::size_t max_payload);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view bytes) noexcept;

// A close code a peer may send (RFC 6455 §7.4).
bool valid_close_code(uint16_t code) noexcept;

// A peer's close frame: its code (no_status when it has none), or the violation it commits
// (0 when none) with a reason for our own close.
struct close_frame {
  uint16_t code = close_code::no_status;
  uint16_t violation = 0;
  std::string_view why;
};
close_frame parse_close(std::string_view payload) noexcept;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (base64 of SHA-1 of key + the RFC's GUID).
std::string accept_key(std::string_view key);

}  // namespace glasshub::host::ws
