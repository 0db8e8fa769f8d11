// The client side of RFC 6455, as bytes: the upgrade request and the check of its answer's
// Sec-WebSocket-Accept, masked client frames, and the header and close payload of server frames.
// Shared by the load generator's client and the tests' client; no sockets here.
#pragma once

#include "client_io/http1.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace glasshub::rfc6455 {

enum class Opcode : uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8,
                              ping = 0x9, pong = 0xA };

// GET `target` with the upgrade's headers; `fields` replace a default of the same name
// (case-insensitive) or are added after them.
std::string upgrade_request(std::string_view host, std::string_view target, std::string_view key,
                            const client_io::Fields& fields = {});

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (base64 of SHA-1 of key + the RFC's GUID),
// computed here rather than taken from the host so that a wrong answer cannot pass.
std::string accept_key(std::string_view key);
// True when the response head (status line and fields, up to the blank line) carries a
// Sec-WebSocket-Accept field equal to accept_key(key).
bool accept_matches(std::string_view response_head, std::string_view key);

// Appends one client frame with `mask` applied to the payload (all-zero keeps it as it is).
void append_frame(std::string& out, std::string_view payload, Opcode opcode, bool fin,
                  const std::array<char, 4>& mask);
// Appends the header of a client frame of `payload_size` bytes with `mask` as its key; the caller
// appends the payload, masked with that key (with the all-zero key: as it is).
void append_header(std::string& out, uint64_t payload_size, Opcode opcode, bool fin,
                   const std::array<char, 4>& mask);

struct FrameHeader {
  bool fin = false;
  uint8_t rsv = 0;     // the three reserved bits, as they sit in the first byte (0x70)
  uint8_t opcode = 0;  // as sent: may be none of Opcode's values
  bool masked = false;
  uint64_t payload_size = 0;
  std::size_t header_size = 0;  // including the mask key when masked
};
// The header of the frame at the start of `bytes`; nullopt until all of it has arrived.
std::optional<FrameHeader> parse_header(std::string_view bytes);

// A close frame's code (1005 when it has none) and reason.
struct Close {
  uint16_t code = 1005;
  std::string_view reason;
};
Close parse_close(std::string_view payload);

}  // namespace glasshub::rfc6455
