// Equality and hashing for short strings (message types, stream names) without a libc call:
// the relay compares and hashes a type several times per frame, and memcmp/_Hash_bytes calls
// were ~5 % of a core at saturation (docs/benchmarks.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace glasshub::core {

namespace short_strings_detail {
inline uint64_t load8(const char* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t load4(const char* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace short_strings_detail

// a == b, with overlapping word loads up to 16 bytes and a word loop beyond.
inline bool same_bytes(std::string_view a, std::string_view b) noexcept {
  using namespace short_strings_detail;
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (x == y || n == 0) return true;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load8(x + i) != load8(y + i)) return false;
    return load8(x + n - 8) == load8(y + n - 8);
  }
  if (n >= 4) return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// A multiply-xorshift hash over 8-byte words (with the length mixed in): good spread for
// identifiers, a few cycles for a message type.
inline std::size_t short_hash(std::string_view s) noexcept {
  using namespace short_strings_detail;
  constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = s.size() * k;
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    h = (h ^ load8(p)) * k;
    h ^= h >> 29;
  }
  if (n > 0) {
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    h = (h ^ tail) * k;
    h ^= h >> 29;
  }
  return static_cast<std::size_t>(h ^ (h >> 32));
}

// A short string held by value: what a thread remembers as the last type it looked up.
class short_name {
 public:
  bool is(std::string_view s) const noexcept {
    return size_ <= sizeof bytes_ && same_bytes(s, {bytes_, size_});
  }
  // Holds `s` when it fits, else holds nothing; says which.
  bool keep(std::string_view s) noexcept {
    if (s.size() > sizeof bytes_) {
      size_ = none;
      return false;
    }
    size_ = s.size();
    if (size_) std::memcpy(bytes_, s.data(), size_);
    return true;
  }

 private:
  static constexpr std::size_t none = 33;
  char bytes_[32];
  std::size_t size_ = none;
};

}  // namespace glasshub::core
