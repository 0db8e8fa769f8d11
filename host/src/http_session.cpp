#include "http_session.hpp"

#include "app_endpoint.hpp"
#include "glasses_endpoint.hpp"
#include "ws_connection.hpp"
#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/wire.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>
#include <glasshub/core/log.hpp>

#include <chrono>
#include <string>

namespace glasshub::host {

namespace {

http_response json_response(const http_request& req, http::status status,
                            const nlohmann::json& body) {
  return make_response(req, status, "application/json", body.dump());
}

http_response error_response(const http_request& req, http::status status,
                             std::string_view message) {
  return json_response(req, status, {{"error", message}});
}

// Compares every byte whatever the first difference, so the admin token does not leak by timing.
bool same_secret(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) diff |= given[i] ^ expected[i];
  return diff == 0;
}

// The Access-Control-Allow-Origin value for this request (server.corsOrigins), or nothing when
// the origin is not allowed (then no CORS header at all: the browser refuses the answer).
std::optional<std::string_view> allowed_origin(const std::vector<std::string>& allowed,
                                               const http_request& req) {
  const std::string_view origin = req[http::field::origin];
  for (const std::string& entry : allowed) {
    if (entry == "*") return std::string_view("*");
    if (!origin.empty() && entry == origin) return origin;
  }
  return std::nullopt;
}

void add_cors(const std::vector<std::string>& allowed, const http_request& req,
              http_response& res) {
  const auto origin = allowed_origin(allowed, req);
  if (!origin) return;
  res.set(http::field::access_control_allow_origin, *origin);
  if (*origin != "*") res.set(http::field::vary, "Origin");
}

// The methods plugin routes can be registered for (gh_http_method).
constexpr std::string_view plugin_methods = "GET, POST, PUT, DELETE, PATCH";

std::optional<gh_http_method> plugin_method(http::verb verb) {
  switch (verb) {
    case http::verb::get: return GH_HTTP_GET;
    case http::verb::post: return GH_HTTP_POST;
    case http::verb::put: return GH_HTTP_PUT;
    case http::verb::delete_: return GH_HTTP_DELETE;
    case http::verb::patch: return GH_HTTP_PATCH;
    default: return std::nullopt;
  }
}

http_response method_not_allowed(const http_request& req, std::string_view allowed) {
  http_response res = error_response(req, http::status::method_not_allowed, "Method not allowed");
  res.set(http::field::allow, allowed);
  return res;
}

// OPTIONS on any path: 204 with Allow; a CORS preflight from an allowed origin also gets the
// Access-Control-Allow-* headers (respond() adds the origin), a refused origin none of them.
http_response preflight(const std::vector<std::string>& allowed, const http_request& req) {
  http_response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::allow, "GET, POST, PUT, DELETE, PATCH, OPTIONS");
  if (req[http::field::access_control_request_method].empty() || !allowed_origin(allowed, req))
    return res;
  res.set(http::field::access_control_allow_methods, "GET, POST, PUT, DELETE, PATCH, OPTIONS");
  const std::string_view asked = req[http::field::access_control_request_headers];
  res.set(http::field::access_control_allow_headers,
          asked.empty() ? std::string_view("Authorization, Content-Type") : asked);
  res.set(http::field::access_control_max_age, "86400");
  return res;
}

}  // namespace

http_session::http_session(tcp::socket&& socket, core::Hub& hub,
                           std::shared_ptr<admission> limits, bool metrics_only)
    : stream_(std::move(socket)),
      hub_(hub),
      admission_(std::move(limits)),
      metrics_only_(metrics_only) {}

void http_session::run() {
  // The acceptor's handler is not on this socket's strand; every later handler is.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  const auto& config = core::live_settings.server;
  parser_->header_limit(config.http_header_limit_bytes());
  parser_->body_limit(config.http_body_limit_bytes());
  stream_.expires_after(std::chrono::milliseconds(config.http_idle_timeout_ms()));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    return;
  }
  if (ec) return;  // timeout, reset, or a request over the limits: drop the connection
  http_request& req = parser_->get();
  if (metrics_only_) {
    const bool metrics_get =
        req.method() == http::verb::get && parse_target(req).encoded_path() == "/metrics";
    return respond(req, metrics_get ? metrics(req)
                                    : error_response(req, http::status::not_found, "Not found"));
  }
  if (beast::websocket::is_upgrade(req)) {
    if (auto refusal = upgrade(req)) respond(req, std::move(*refusal));
    return;
  }
  if (auto res = host_route(req)) return respond(req, std::move(*res));
  plugin_route(req);
}

std::optional<http_response> http_session::upgrade(const http_request& req) {
  const auto path = parse_target(req).encoded_path();
  if (path == "/glasses-ws") return glasses_endpoint::upgrade(hub_, *admission_, stream_, req);
  if (path == "/app-ws") return app_endpoint::upgrade(hub_, *admission_, stream_, req);
  hub_.count_rejected_connection("path");
  return make_response(req, http::status::not_found, "text/plain", "Unknown WebSocket path");
}

std::optional<http_response> http_session::host_route(const http_request& req) {
  if (req.method() == http::verb::options) return preflight(hub_.config().server.cors_origins, req);
  const auto path = parse_target(req).encoded_path();
  if (path == "/admin/reload") {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    return admin_reload(req);
  }
  // With an internal metrics port, /metrics is served there only.
  const bool metrics_here = hub_.config().server.metrics_port == 0;
  if (path == "/admin/log-levels") {
    if (req.method() != http::verb::get && req.method() != http::verb::put)
      return method_not_allowed(req, "GET, PUT");
    return admin_log_levels(req);
  }
  const bool host_path = path == "/health" || (path == "/metrics" && metrics_here) ||
                         path == "/admin/handlers";
  if (!host_path) return std::nullopt;
  if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
  if (path == "/health") return health(req);
  if (path == "/metrics") return metrics(req);
  if (auto refusal = admin_refusal(req)) return refusal;
  return json_response(req, http::status::ok, hub_.handlers_json());
}

http_response http_session::metrics(const http_request& req) const {
  const core::Hub::TransportStats transport{ws_connection::queued_bytes_total(),
                                            ws_connection::dropped_frames_total()};
  return make_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       hub_.metrics_text(transport));
}

void http_session::plugin_route(http_request& req) {
  const auto method = plugin_method(req.method());
  if (!method) return respond(req, method_not_allowed(req, plugin_methods));
  const auto target = parse_target(req);
  core::HttpIn in;
  in.method = *method;
  in.path = std::string(target.encoded_path());
  if (target.has_query()) in.query = std::string(target.encoded_query());
  in.content_type = std::string(req[http::field::content_type]);
  in.authorization = std::string(req[http::field::authorization]);
  in.body = std::move(req.body());  // the request stays parsed until the answer is written

  // The core answers 504 itself when the plugin is too slow, so no socket deadline while waiting.
  stream_.expires_never();
  const std::uint64_t request = ++awaited_request_;
  const bool routed =
      hub_.serve_http(std::move(in), [self = shared_from_this(), request](core::HttpOut out) {
        // Any thread, maybe seconds later: back onto this socket's strand, never inline.
        net::post(self->stream_.get_executor(), [self, request, out = std::move(out)]() mutable {
          self->plugin_reply(request, std::move(out));
        });
      });
  if (routed) return;
  ++awaited_request_;
  hub_.count_rejected_connection("http_not_found");
  respond(req, error_response(req, http::status::not_found, "Not found"));
}

void http_session::plugin_reply(std::uint64_t request, core::HttpOut out) {
  if (request != awaited_request_) return;  // a second or stale answer changes nothing
  ++awaited_request_;
  const http_request& req = parser_->get();
  if (out.status < 200 || out.status > 599) {
    core::log_line(spdlog::level::err, "http_reply_invalid",
                   "plugin route answered status " + std::to_string(out.status));
    return respond(req, error_response(req, http::status::internal_server_error,
                                       "Invalid response from plugin"));
  }
  const bool bodyless = out.status == 204 || out.status == 304;
  http_response res = make_response(req, http::status::ok, out.content_type,
                                     bodyless ? std::string() : std::move(out.body));
  res.result(out.status);
  if (bodyless) res.erase(http::field::content_type);
  res.prepare_payload();
  respond(req, std::move(res));
}

http_response http_session::health(const http_request& req) const {
  try {
    bool healthy = true;
    const nlohmann::json body = hub_.health_json(&healthy);
    return json_response(req, healthy ? http::status::ok : http::status::service_unavailable, body);
  } catch (const std::exception& e) {
    core::log_line(spdlog::level::err, "health_failed",
                   std::string("health check failed: ") + e.what());
    return json_response(req, http::status::internal_server_error,
                         {{"status", "unhealthy"},
                          {"error", "Health check failed"},
                          {"timestamp", core::iso_timestamp()}});
  }
}

http_response http_session::admin_handlers(const http_request& req) const {
  if (auto refusal = admin_refusal(req)) return std::move(*refusal);
  return json_response(req, http::status::ok, hub_.handlers_json());
}

http_response http_session::admin_reload(const http_request& req) const {
  if (auto refusal = admin_refusal(req)) return std::move(*refusal);
  // Synchronous on this socket's strand: a reload takes milliseconds (on_load of new plugins).
  const nlohmann::json outcome = hub_.reload();
  const bool ok = outcome.value("ok", false);
  return json_response(req, ok ? http::status::ok : http::status::unprocessable_entity, outcome);
}

std::optional<http_response> http_session::admin_refusal(const http_request& req) const {
  const std::string& expected = hub_.config().server.admin_token;
  if (expected.empty()) {
    return error_response(req, http::status::forbidden,
                          "admin API disabled: set server.adminToken");
  }
  const std::string_view token = bearer_token(req);
  if (token.empty() || !same_secret(token, expected)) {
    hub_.count_rejected_connection("admin_auth");
    const char* why = token.empty() ? "Missing bearer token" : "Invalid admin token";
    http_response res = error_response(req, http::status::unauthorized, why);
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  return std::nullopt;
}

http_response http_session::admin_log_levels(const http_request& req) {
  if (auto refusal = admin_refusal(req)) return std::move(*refusal);
  if (req.method() == http::verb::put) {
    if (auto why = hub_.set_log_levels(req.body()))
      return error_response(req, http::status::bad_request, *why);
  }
  return json_response(req, http::status::ok, hub_.log_levels_json());
}

void http_session::respond(const http_request& req, http_response&& res) {
  add_cors(hub_.config().server.cors_origins, req, res);
  res_ = std::move(res);
  stream_.expires_after(
      std::chrono::milliseconds(core::live_settings.server.http_idle_timeout_ms()));
  http::async_write(stream_, res_,
                    beast::bind_front_handler(&http_session::on_write, shared_from_this()));
}

void http_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) return;
  if (res_.need_eof()) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    return;
  }
  do_read();
}

}  // namespace glasshub::host
