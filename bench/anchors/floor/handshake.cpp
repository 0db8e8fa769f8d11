#include "handshake.hpp"

#include "json_scan.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace floor_relay {

using std::string;
using std::string_view;

namespace {

string base64(const unsigned char* data, std::size_t size) {
  string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  return out;
}

std::optional<string> base64url_decode(string_view in) {
  string out;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = c >= 'A' && c <= 'Z' ? c - 'A'
                  : c >= 'a' && c <= 'z' ? c - 'a' + 26
                  : c >= '0' && c <= '9' ? c - '0' + 52
                  : c == '-' ? 62
                  : c == '_' ? 63
                             : -1;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if ((bits += 6) >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::optional<string> user_of_token(string_view token, const string& secret) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == string_view::npos || token.find('.', dot2 + 1) != string_view::npos)
    return std::nullopt;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(token.data()), dot2, mac, &mac_size))
    return std::nullopt;
  string expected = base64(mac, mac_size);
  while (!expected.empty() && expected.back() == '=') expected.pop_back();
  for (char& c : expected) c = c == '+' ? '-' : c == '/' ? '_' : c;
  const string_view signature = token.substr(dot2 + 1);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
    return std::nullopt;
  const auto claims = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims) return std::nullopt;
  if (const auto exp = member(*claims, "exp"); exp && !exp->empty() && exp->front() != '"' &&
                                               exp->front() != '{' && exp->front() != '[') {
    char* end = nullptr;
    const string number(*exp);
    const double seconds = std::strtod(number.c_str(), &end);
    if (end != number.c_str() && seconds < static_cast<double>(std::time(nullptr))) return std::nullopt;
  }
  return string_member(*claims, "email");
}

string accept_key(string_view key) {
  const string input = string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

std::optional<string> query_param(string_view query, string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const string_view pair = query.substr(0, amp);
    query = amp == string_view::npos ? string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    const string_view raw = eq == string_view::npos ? string_view() : pair.substr(eq + 1);
    string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const int high = raw[i] == '%' && i + 2 < raw.size() ? hex_digit(raw[i + 1]) : -1;
      const int low = high < 0 ? -1 : hex_digit(raw[i + 2]);
      if (low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
      } else {
        out += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

bool iequals(string_view a, string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

string_view header(string_view head, string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != string_view::npos && at + 2 < head.size()) {
    const auto next = head.find("\r\n", at + 2);
    const string_view line = head.substr(at + 2, next - at - 2);
    const auto colon = line.find(':');
    if (colon != string_view::npos && iequals(line.substr(0, colon), name)) {
      string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
    at = next;
  }
  return {};
}

}  // namespace floor_relay
