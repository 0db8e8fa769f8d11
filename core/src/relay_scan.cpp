#include "relay_scan.hpp"

#include "short_strings.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace glasshub::core {

std::string_view peek_type(std::string_view frame) noexcept {
  constexpr std::string_view prefix = R"({"type":")";
  if (!frame.starts_with(prefix)) return {};
  // A plain loop: find_first_of calls memchr once per byte (4 % of a core at saturation).
  for (std::size_t i = prefix.size(); i < frame.size(); ++i) {
    if (frame[i] == '"') return frame.substr(prefix.size(), i - prefix.size());
    if (frame[i] == '\\') return {};
  }
  return {};
}

namespace {

// Eight bytes at a time (SWAR): the lowest flagged byte of each test below is exact (a borrow or
// carry only flags bytes above a true hit), so the first hit is ctz / 8. Strings and digit runs
// were a byte loop each, most of this scan's time.
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
using short_strings_detail::load8;
inline uint64_t zero_bytes(uint64_t v) noexcept { return (v - kOnes) & ~v & kHighs; }
// Bytes below n (n <= 128); bytes >= 0x80 are never flagged.
inline uint64_t bytes_below(uint64_t v, uint64_t n) noexcept { return (v - kOnes * n) & ~v & kHighs; }
// Bytes above n (n < 128), and every byte >= 0x80.
inline uint64_t bytes_above(uint64_t v, uint64_t n) noexcept { return ((v + kOnes * (127 - n)) | v) & kHighs; }
// Bytes a JSON string cannot hold as they are: '"', '\\' and controls.
inline uint64_t string_stops(uint64_t v) noexcept {
  return bytes_below(v, 0x20) | zero_bytes(v ^ (kOnes * '"')) | zero_bytes(v ^ (kOnes * '\\'));
}
inline uint64_t non_digits(uint64_t v) noexcept { return bytes_below(v, '0') | bytes_above(v, '9'); }

// The first byte at or after `p` that a string cannot hold as it is ('"', '\\', a control), or
// `end`.
const char* string_stop(const char* p, const char* end) noexcept {
  for (; end - p >= 8; p += 8)
    if (const uint64_t stops = string_stops(load8(p)); stops != 0)
      return p + std::countr_zero(stops) / 8;
  while (p != end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return p;
}

// The first byte at or after `p` that is not a digit, or `end`.
const char* digits_end(const char* p, const char* end) noexcept {
  for (; end - p >= 8; p += 8)
    if (const uint64_t stops = non_digits(load8(p)); stops != 0)
      return p + std::countr_zero(stops) / 8;
  while (p != end && *p >= '0' && *p <= '9') ++p;
  return p;
}

// A validating scan of RFC 8259 JSON with nlohmann's acceptance rules (numbers must fit a
// double, \u escapes must pair surrogates), storing nothing. Text frames reach it already checked
// as UTF-8 by the WebSocket layer.
class Scanner {
 public:
  Scanner(std::string_view text, std::string_view type, std::size_t max_depth)
      : p_(text.data()), end_(text.data() + text.size()), type_(type), max_depth_(max_depth) {}

  bool run() {
    skip_ws();
    if (p_ == end_ || *p_ != '{') return false;  // the message must be an object
    if (!value(0)) return false;
    skip_ws();
    return p_ == end_ && type_seen_ && type_matches_;
  }

 private:
  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(unsigned& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p_[i]);
      if (h < 0) return false;
      out = out << 4 | static_cast<unsigned>(h);
    }
    p_ += 4;
    return true;
  }

  // A string; `raw` gets its contents when it has no escape (else `escaped` is set).
  bool string(std::string_view& raw, bool& escaped) {
    ++p_;  // the opening quote
    const char* start = p_;
    escaped = false;
    for (;;) {
      p_ = string_stop(p_, end_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      escaped = true;  // a backslash
      if (++p_ == end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {                // must be followed by a low one
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            unsigned low;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          }
          break;
        }
        default: return false;
      }
    }
  }

  bool digits() {
    const char* start = p_;
    p_ = digits_end(p_, end_);
    return p_ != start;
  }

  bool number() {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    bool fraction_or_exponent = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
      fraction_or_exponent = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
      fraction_or_exponent = true;
    }
    // A value beyond a double is refused by the full parser ("number overflow"); integers up
    // to 20 digits are held exactly and never overflow.
    const auto size = static_cast<std::size_t>(p_ - start);
    if (fraction_or_exponent || size > 20) {
      const std::string copy(start, size);
      if (!std::isfinite(std::strtod(copy.c_str(), nullptr))) return false;
    }
    return true;
  }

  bool value(std::size_t depth) {
    skip_ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': {
        std::string_view raw;
        bool escaped;
        return string(raw, escaped);
      }
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool object(std::size_t depth) {
    if (depth > max_depth_) return false;
    ++p_;
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ == end_ || *p_ != '"') return false;
      std::string_view key;
      bool key_escaped;
      if (!string(key, key_escaped)) return false;
      if (depth == 1 && key_escaped) return false;  // an escaped key might spell "type": parse it fully
      skip_ws();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      if (depth == 1 && key == "type") {
        skip_ws();
        if (p_ == end_) return false;
        type_seen_ = true;
        type_matches_ = false;
        if (*p_ == '"') {
          std::string_view raw;
          bool escaped;
          if (!string(raw, escaped)) return false;
          if (escaped) return false;  // compare unescaped only on the full path
          type_matches_ = raw == type_;
        } else if (!value(depth)) {
          return false;
        }
      } else if (!value(depth)) {
        return false;
      }
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return false;
    }
  }

  bool array(std::size_t depth) {
    if (depth > max_depth_) return false;
    ++p_;
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(depth)) return false;
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return false;
    }
  }

  const char* p_;
  const char* end_;
  std::string_view type_;
  std::size_t max_depth_;
  bool type_seen_ = false;
  bool type_matches_ = false;
};

}  // namespace

namespace {

// The usual phone event, in one pass without recursion: a flat object, no whitespace, keys and
// strings without escapes, integers, literals. It only ever accepts what Scanner accepts; on
// anything else it answers "not sure" and Scanner decides (the scan was 10 % of a core at
// saturation, most of it calls and branches per member).
enum class flat { yes, unsure };

flat flat_object_of_type(std::string_view text, std::string_view type, std::size_t max_depth) {
  const char* p = text.data();
  const char* const end = p + text.size();
  // Past a string's opening quote: the closing quote, or null for an escape, a control or the end.
  const auto string_end = [end](const char* q) -> const char* {
    q = string_stop(q, end);
    return q != end && *q == '"' ? q : nullptr;
  };
  if (max_depth < 1 || p == end || *p != '{') return flat::unsure;
  ++p;
  bool type_matches = false;
  bool type_seen = false;
  for (;;) {
    if (p == end || *p != '"') return flat::unsure;
    const char* key_end = string_end(++p);
    if (!key_end || end - key_end < 2 || key_end[1] != ':') return flat::unsure;
    const bool is_type = same_bytes({p, static_cast<std::size_t>(key_end - p)}, "type");
    p = key_end + 2;
    if (p == end) return flat::unsure;
    if (*p == '"') {
      const char* value_end = string_end(p + 1);
      if (!value_end) return flat::unsure;
      if (is_type) {
        type_seen = true;
        type_matches = same_bytes({p + 1, static_cast<std::size_t>(value_end - p - 1)}, type);
      }
      p = value_end + 1;
    } else {
      if (is_type) return flat::unsure;  // a "type" that is not a string: Scanner says no
      const char* start = p;
      if (*p == '-') ++p;
      if (p != end && *p == '0') {
        ++p;
      } else if (p != end && *p >= '1' && *p <= '9') {
        p = digits_end(p, end);
      } else if (p == start) {
        const std::string_view rest(p, static_cast<std::size_t>(end - p));
        std::size_t n = rest.starts_with("true") || rest.starts_with("null") ? 4
                        : rest.starts_with("false")                       ? 5
                                                                          : 0;
        if (n == 0) return flat::unsure;
        p += n;
      } else {
        return flat::unsure;  // a lone '-'
      }
      if (p - start > 20) return flat::unsure;  // Scanner checks such a number against a double
    }
    if (p == end) return flat::unsure;
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == '}' && p + 1 == end && type_seen && type_matches) return flat::yes;
    return flat::unsure;
  }
}

}  // namespace

bool is_object_of_type(std::string_view frame, std::string_view type, std::size_t max_depth) {
  if (flat_object_of_type(frame, type, max_depth) == flat::yes) return true;
  return Scanner(frame, type, max_depth).run();
}

}  // namespace glasshub::core
