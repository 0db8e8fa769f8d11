#include "http_routes.hpp"

namespace glasshub::core {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

template <class A, class B>
bool same_shape(const A& a, const B& b) {
  if (a.method != b.method || a.segments.size() != b.segments.size()) return false;
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const bool pa = a.segments[i][0] == ':', pb = b.segments[i][0] == ':';
    if (pa != pb || (!pa && a.segments[i] != b.segments[i])) return false;
  }
  return true;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const char* http_method_name(gh_http_method m) noexcept {
  switch (m) {
    case GH_HTTP_GET: return "GET";
    case GH_HTTP_POST: return "POST";
    case GH_HTTP_PUT: return "PUT";
    case GH_HTTP_DELETE: return "DELETE";
    case GH_HTTP_PATCH: return "PATCH";
  }
  return "?";
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool HttpRouteTable::parse_pattern(std::string_view pattern, std::vector<std::string>& segments) {
  segments.clear();
  if (pattern.size() < 2 || pattern[0] != '/') return false;
  for (std::string_view seg : split_path(pattern)) {
    if (seg.empty() || seg == ":") return false;
    segments.emplace_back(seg);
  }
  return true;
}

std::string HttpRouteTable::conflict(const HttpRouteDecl& decl) const {
  for (const auto& r : routes_)
    if (same_shape(r, decl)) return r.owner;
  return {};
}

std::string HttpRouteTable::add(const HttpRouteDecl& decl, gh_plugin* plugin,
                                const std::string& owner) {
  if (auto other = conflict(decl); !other.empty()) return other;
  HttpRoute& r = routes_.emplace_back();
  r.method = decl.method;
  r.pattern = decl.pattern;
  r.segments = decl.segments;
  r.auth = decl.auth;
  r.plugin = plugin;
  r.fn = decl.fn;
  r.state = decl.state;
  r.owner = owner;
  return {};
}

std::optional<HttpMatch> HttpRouteTable::find(gh_http_method method,
                                              std::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // "/x/" serves as "/x"
  const auto parts = split_path(path);
  const HttpRoute* best = nullptr;
  int best_literals = -1;
  for (const auto& r : routes_) {
    if (r.method != method || r.segments.size() != parts.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (r.segments[i][0] == ':')
        ok = !parts[i].empty();
      else if (r.segments[i] == parts[i])
        ++literals;
      else
        ok = false;
    }
    if (ok && literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (!best) return std::nullopt;
  HttpMatch m;
  m.route = best;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (best->segments[i][0] != ':') continue;
    auto v = percent_decode(parts[i]);
    if (!v) return std::nullopt;
    m.names.push_back(best->segments[i].substr(1));
    m.values.push_back(std::move(*v));
  }
  return m;
}

}  // namespace glasshub::core
