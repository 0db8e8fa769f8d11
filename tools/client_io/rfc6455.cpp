#include "client_io/rfc6455.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace glasshub::rfc6455 {

std::string upgrade_request(std::string_view host, std::string_view target, std::string_view key,
                            const client_io::Fields& fields) {
  client_io::Fields all{{"Host", std::string(host)},
                        {"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", std::string(key)},
                        {"Sec-WebSocket-Version", "13"}};
  all.insert(all.end(), fields.begin(), fields.end());
  return client_io::request_text("GET", target, all);
}

std::string accept_key(std::string_view key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  const std::string input = std::string(key) + std::string(guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
}

bool accept_matches(std::string_view head, std::string_view key) {
  constexpr std::string_view name = "sec-websocket-accept";
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;) {
    const std::size_t begin = at + 2;
    at = head.find("\r\n", begin);
    const std::string_view line = head.substr(begin, at == std::string_view::npos ? at : at - begin);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos ||
        client_io::lowercase(std::string(line.substr(0, colon))) != name)
      continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return value == accept_key(key);
  }
  return false;
}

void append_header(std::string& out, uint64_t payload_size, Opcode opcode, bool fin,
                   const std::array<char, 4>& mask) {
  // Built on the stack and appended at once: the load generator frames every event.
  char head[14];
  std::size_t size = 0;
  head[size++] = static_cast<char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode));
  const uint64_t n = payload_size;
  if (n < 126) {
    head[size++] = static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    head[size++] = static_cast<char>(0x80 | 126);
    for (int shift = 8; shift >= 0; shift -= 8) head[size++] = static_cast<char>(n >> shift);
  } else {
    head[size++] = static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) head[size++] = static_cast<char>(n >> shift);
  }
  for (const char k : mask) head[size++] = k;
  out.append(head, size);
}

void append_frame(std::string& out, std::string_view payload, Opcode opcode, bool fin,
                  const std::array<char, 4>& mask) {
  append_header(out, payload.size(), opcode, fin, mask);
  const std::size_t at = out.size();
  out.append(payload);
  if ((mask[0] | mask[1] | mask[2] | mask[3]) == 0) return;
  for (std::size_t i = 0; i < payload.size(); ++i) out[at + i] ^= mask[i % 4];
}

std::optional<FrameHeader> parse_header(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  FrameHeader h;
  h.fin = p[0] & 0x80;
  h.rsv = p[0] & 0x70;
  h.opcode = p[0] & 0x0F;
  h.masked = p[1] & 0x80;
  h.payload_size = p[1] & 0x7F;
  h.header_size = 2;
  if (h.payload_size == 126) {
    if (bytes.size() < 4) return std::nullopt;
    h.payload_size = (uint64_t{p[2]} << 8) | p[3];
    h.header_size = 4;
  } else if (h.payload_size == 127) {
    if (bytes.size() < 10) return std::nullopt;
    h.payload_size = 0;
    for (int i = 0; i < 8; ++i) h.payload_size = (h.payload_size << 8) | p[2 + i];
    h.header_size = 10;
  }
  if (h.masked) h.header_size += 4;
  if (bytes.size() < h.header_size) return std::nullopt;
  return h;
}

Close parse_close(std::string_view payload) {
  if (payload.size() < 2) return {};
  const auto* c = reinterpret_cast<const unsigned char*>(payload.data());
  return {static_cast<uint16_t>((c[0] << 8) | c[1]), payload.substr(2)};
}

}  // namespace glasshub::rfc6455
