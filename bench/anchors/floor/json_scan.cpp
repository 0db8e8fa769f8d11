#include "json_scan.hpp"

#include <cstdint>

namespace floor_relay {

using std::string;
using std::string_view;

namespace {

const char* skip_ws(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  return p;
}

// Past the string that starts at `p` (a quote), or null.
const char* skip_string(const char* p, const char* end) {
  for (++p; p < end; ++p) {
    if (*p == '\\') ++p;
    else if (*p == '"') return p + 1;
  }
  return nullptr;
}

// Past the value at `p`, or null: strings and brackets are matched, scalars run to a delimiter.
const char* skip_value(const char* p, const char* end) {
  if (p >= end) return nullptr;
  if (*p == '"') return skip_string(p, end);
  if (*p != '{' && *p != '[') {
    const char* q = p;
    while (q < end && *q != ',' && *q != '}' && *q != ']' && *q != ' ' && *q != '\n' &&
           *q != '\r' && *q != '\t')
      ++q;
    return q == p ? nullptr : q;
  }
  int depth = 0;
  while (p < end) {
    if (*p == '"') {
      if (!(p = skip_string(p, end))) return nullptr;
      continue;
    }
    if (*p == '{' || *p == '[') ++depth;
    else if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
    ++p;
  }
  return nullptr;
}

void append_utf8(string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::optional<uint32_t> hex4(string_view s) {
  if (s.size() < 4) return std::nullopt;
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int d = hex_digit(s[i]);
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return v;
}

}  // namespace

int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

std::optional<string> string_value(string_view token) {
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return std::nullopt;
  const string_view in = token.substr(1, token.size() - 2);
  string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i >= in.size()) return std::nullopt;
    switch (in[i]) {
      case '"': case '\\': case '/': out += in[i]; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto cp = hex4(in.substr(i + 1));
        if (!cp) return std::nullopt;
        i += 4;
        if (*cp >= 0xd800 && *cp < 0xdc00 && in.substr(i + 1, 2) == "\\u") {
          const auto low = hex4(in.substr(i + 3));
          if (low && *low >= 0xdc00 && *low < 0xe000) {
            cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
            i += 6;
          }
        }
        append_utf8(out, *cp >= 0xd800 && *cp < 0xe000 ? 0xfffd : *cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

std::optional<string_view> member(string_view text, string_view key) {
  const char* p = skip_ws(text.data(), text.data() + text.size());
  const char* const end = text.data() + text.size();
  if (p >= end || *p != '{') return std::nullopt;
  p = skip_ws(p + 1, end);
  while (p < end && *p == '"') {
    const char* key_end = skip_string(p, end);
    if (!key_end) return std::nullopt;
    const string_view raw(p, static_cast<std::size_t>(key_end - p));
    p = skip_ws(key_end, end);
    if (p >= end || *p != ':') return std::nullopt;
    const char* value = skip_ws(p + 1, end);
    const char* value_end = skip_value(value, end);
    if (!value_end) return std::nullopt;
    const string_view inner = raw.substr(1, raw.size() - 2);
    if (inner == key || (inner.find('\\') != string_view::npos && string_value(raw) == key))
      return string_view(value, static_cast<std::size_t>(value_end - value));
    p = skip_ws(value_end, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  return std::nullopt;
}

std::optional<string> string_member(string_view text, string_view key) {
  const auto raw = member(text, key);
  return raw ? string_value(*raw) : std::nullopt;
}

void append_quoted(string& out, string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u >= 0x20) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  out += '"';
}

std::vector<string_view> elements(string_view array) {
  std::vector<string_view> out;
  if (array.empty() || array.front() != '[') return out;
  const char* const end = array.data() + array.size() - 1;  // the closing bracket
  const char* p = skip_ws(array.data() + 1, end);
  while (p < end) {
    const char* next = skip_value(p, end);
    if (!next) break;
    out.emplace_back(p, static_cast<std::size_t>(next - p));
    p = skip_ws(next, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  return out;
}

}  // namespace floor_relay
