#include "ws_frame.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>

namespace glasshub::host::ws {

namespace {

uint64_t load64(const char* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store64(char* p, uint64_t v) noexcept { std::memcpy(p, &v, sizeof v); }

// XOR with a key repeated in every 8-byte lane, 32 bytes at a time; returns how many bytes it did.
using block = uint64_t __attribute__((vector_size(32)));
inline std::size_t unmask_blocks(char* p, std::size_t n, uint64_t k64) noexcept {
  const block kb = {k64, k64, k64, k64};
  std::size_t i = 0;
  for (; i + sizeof(block) <= n; i += sizeof(block)) {
    block v;
    std::memcpy(&v, p + i, sizeof v);
    v ^= kb;
    std::memcpy(p + i, &v, sizeof v);
  }
  return i;
}

// The same in one AVX2 register per block.
__attribute__((target("avx2"))) std::size_t unmask_blocks_avx2(char* p, std::size_t n,
                                                              uint64_t k64) noexcept {
  return unmask_blocks(p, n, k64);
}

// XOR with the 4-byte key (it repeats every four bytes), in blocks, then eight bytes at a time: a
// 3,200-byte audio frame was 1,700 instructions. AVX2 is chosen by a check at first use rather
// than an ifunc, whose resolver runs before the sanitizers' runtimes are up.
void unmask(char* p, std::size_t n, const unsigned char key[4]) noexcept {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  uint32_t k32;
  std::memcpy(&k32, key, 4);
  const uint64_t k64 = (static_cast<uint64_t>(k32) << 32) | k32;
  std::size_t i = avx2 ? unmask_blocks_avx2(p, n, k64) : unmask_blocks(p, n, k64);
  for (; i + 8 <= n; i += 8) store64(p + i, load64(p + i) ^ k64);
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

}  // namespace

std::size_t write_header(char* h, opcode op, std::size_t n) noexcept {
  std::size_t len = 2;
  h[0] = static_cast<char>(0x80 | static_cast<uint8_t>(op));
  if (n < 126) {
    h[1] = static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    h[1] = 126;
    h[2] = static_cast<char>(n >> 8);
    h[3] = static_cast<char>(n);
    len = 4;
  } else {
    h[1] = 127;
    for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<char>(static_cast<uint64_t>(n) >> (56 - 8 * i));
    len = 10;
  }
  return len;
}

void append_header(std::string& out, opcode op, std::size_t n) {
  char h[max_header];
  out.append(h, write_header(h, op, n));
}

void append_close(std::string& out, uint16_t code, std::string_view reason) {
  if (code == close_code::no_status) return append_header(out, opcode::close, 0);
  std::size_t size = std::min<std::size_t>(reason.size(), 123);
  while (size < reason.size() && (static_cast<unsigned char>(reason[size]) & 0xC0) == 0x80)
    --size;  // never cut a UTF-8 sequence: the peer would fail the close with 1007
  append_header(out, opcode::close, 2 + size);
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  out.append(reason.substr(0, size));
}

parse_result parse(char* data, std::size_t size, std::size_t max_payload) {
  parse_result r{parse_status::incomplete};
  if (size < 2) return r;
  const auto b0 = static_cast<unsigned char>(data[0]);
  const auto b1 = static_cast<unsigned char>(data[1]);
  const bool fin = b0 & 0x80;
  const auto op = static_cast<opcode>(b0 & 0x0F);
  auto fail = [&](uint16_t code) {
    r.status = parse_status::error;
    r.error_code = code;
    return r;
  };
  if (b0 & 0x70) return fail(close_code::protocol_error);  // no extension was negotiated
  const bool control = (b0 & 0x08) != 0;
  switch (op) {
    case opcode::cont: case opcode::text: case opcode::binary:
    case opcode::close: case opcode::ping: case opcode::pong: break;
    default: return fail(close_code::protocol_error);
  }
  if (!(b1 & 0x80)) return fail(close_code::protocol_error);  // clients must mask
  uint64_t n = b1 & 0x7F;
  std::size_t header = 2;
  if (control && (n > 125 || !fin)) return fail(close_code::protocol_error);
  if (n == 126) {
    if (size < 4) return r;
    n = (static_cast<uint64_t>(static_cast<unsigned char>(data[2])) << 8) |
        static_cast<unsigned char>(data[3]);
    header = 4;
  } else if (n == 127) {
    if (size < 10) return r;
    n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(data[2 + i]);
    header = 10;
    if (n >> 63) return fail(close_code::protocol_error);
  }
  if (n > max_payload) return fail(close_code::too_big);
  header += 4;  // the mask key
  r.needed = header + n;
  if (size < r.needed) return r;
  unsigned char key[4];
  std::memcpy(key, data + header - 4, 4);
  char* payload = data + header;
  unmask(payload, n, key);
  r.status = parse_status::complete;
  r.consumed = r.needed;
  r.out = frame{op, fin, payload, static_cast<std::size_t>(n), header};
  return r;
}

bool valid_utf8(std::string_view bytes) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = s + bytes.size();
  while (s < end) {
    // JSON is mostly ASCII: skip eight bytes at a time while no byte has its top bit set.
    while (end - s >= 8 && (load64(reinterpret_cast<const char*>(s)) & 0x8080808080808080ULL) == 0)
      s += 8;
    if (s == end) break;
    const unsigned char c = *s;
    if (c < 0x80) {
      ++s;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // overlong
      else if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;       // overlong
      else if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - s) < len) return false;
    if (s[1] < lo || s[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i)
      if ((s[i] & 0xC0) != 0x80) return false;
    s += len;
  }
  return true;
}

bool valid_close_code(uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003: case 1007: case 1008: case 1009: case 1010:
    case 1011: case 1012: case 1013: case 1014: return true;
    default: return false;
  }
}

close_frame parse_close(std::string_view payload) noexcept {
  close_frame c;
  if (payload.empty()) return c;
  if (payload.size() == 1) return {c.code, close_code::protocol_error, "Protocol error"};
  c.code = static_cast<uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                 static_cast<unsigned char>(payload[1]));
  if (!valid_close_code(c.code))
    return {c.code, close_code::protocol_error, "Invalid close code"};
  if (!valid_utf8(payload.substr(2)))
    return {c.code, close_code::bad_payload, "Invalid close reason"};
  return c;
}

std::string accept_key(std::string_view key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input;
  input.reserve(key.size() + guid.size());
  input.append(key).append(guid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &digest_len, EVP_sha1(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

}  // namespace glasshub::host::ws
