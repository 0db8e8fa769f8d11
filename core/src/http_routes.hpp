// Plugin HTTP routes: (method, path pattern) -> handler. Built while plugins load, read-only
// afterwards (no locks), like the message Router.
#pragma once

#include <glasshub/sdk.h>

#include <atomic>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct gh_plugin;

namespace glasshub::core {

// What a plugin registered (copyable; the table's HttpRoute adds the live counter).
struct HttpRouteDecl {
  gh_http_method method = GH_HTTP_GET;
  std::string pattern;
  std::vector<std::string> segments;
  gh_route_auth auth = GH_ROUTE_AUTH_NONE;
  gh_plugin_on_request_fn fn = nullptr;
  void* state = nullptr;
};

struct HttpRoute {
  gh_http_method method = GH_HTTP_GET;
  std::string pattern;                // as registered, e.g. "/apps/:packageName/start"
  std::vector<std::string> segments;  // ":name" for parameters
  gh_route_auth auth = GH_ROUTE_AUTH_NONE;
  gh_plugin* plugin = nullptr;
  gh_plugin_on_request_fn fn = nullptr;
  void* state = nullptr;
  std::string owner;
  mutable std::atomic<uint64_t> count{0};
};

struct HttpMatch {
  const HttpRoute* route = nullptr;
  std::vector<std::string> names;   // parameter names, without ':'
  std::vector<std::string> values;  // percent-decoded
};

class HttpRouteTable {
 public:
  // Splits `pattern`; false when it is not an absolute path of non-empty segments.
  static bool parse_pattern(std::string_view pattern, std::vector<std::string>& segments);
  // The owner of a route with the same method and shape, or "" when there is none.
  std::string conflict(const HttpRouteDecl& decl) const;
  // Returns the owner of a route with the same method and shape, else adds it and returns "".
  std::string add(const HttpRouteDecl& decl, gh_plugin* plugin, const std::string& owner);
  // The route for `path` (percent-encoded), literal segments winning over parameters.
  std::optional<HttpMatch> find(gh_http_method method, std::string_view path) const;
  const std::deque<HttpRoute>& routes() const noexcept { return routes_; }

 private:
  std::deque<HttpRoute> routes_;  // deque: handed-out pointers stay valid
};

const char* http_method_name(gh_http_method m) noexcept;
// Percent-decoding ('+' stays '+': paths, not forms); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace glasshub::core
