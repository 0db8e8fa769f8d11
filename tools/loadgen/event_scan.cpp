#include "event_scan.hpp"

#include <charconv>
#include <cstring>

namespace glasshub::loadgen {

namespace {

// 1 to 18 digits (no overflow) at `p`, which moves past them. A plain loop: the lengths repeat
// from one delivery to the next, so its exit is predicted (eight bytes at once measured slower).
bool read_digits(const char*& p, const char* end, int64_t& value) {
  const char* q = p;  // a local: a store through `p` per digit would be the loop's cost
  uint64_t v = 0;
  for (; q < end; ++q) {
    const unsigned digit = static_cast<unsigned char>(*q) - unsigned{'0'};
    if (digit > 9) break;
    v = v * 10 + digit;  // wraps past 20 digits, refused below
  }
  const auto count = q - p;
  p = q;
  value = static_cast<int64_t>(v);
  return count > 0 && count <= 18;
}

// `literal` at `p` (a constant: its compare is inlined), which moves past it.
template <std::size_t N>
bool skip(const char*& p, const char* end, const char (&literal)[N]) {
  if (static_cast<std::size_t>(end - p) < N - 1 || std::memcmp(p, literal, N - 1) != 0) return false;
  p += N - 1;
  return true;
}

}  // namespace

std::optional<EventFields> fields_after_seq(std::string_view rest) {
  const char* p = rest.data();
  const char* const end = p + rest.size();
  EventFields f;
  if (read_digits(p, end, f.seq) && skip(p, end, R"(,"t":)") && read_digits(p, end, f.sent_at) &&
      skip(p, end, R"(,"m":)") && read_digits(p, end, f.measured) && p < end &&
      (*p == '}' || *p == ','))
    return f;
  return std::nullopt;
}

std::optional<int64_t> int_field(std::string_view text, std::size_t& from, std::string_view key) {
  const auto at = text.find(key, from);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = text.data() + at + key.size();
  const char* last = text.data() + text.size();
  while (first < last && *first == ' ') ++first;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc()) return std::nullopt;
  from = static_cast<std::size_t>(end - text.data());
  return value;
}

}  // namespace glasshub::loadgen
