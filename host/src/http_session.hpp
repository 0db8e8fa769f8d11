// One HTTP connection: reads requests, answers the host's routes, hands upgrades to an endpoint.
#pragma once

#include "admission.hpp"
#include "http_message.hpp"

#include <glasshub/core/hub.hpp>

#include <cstdint>
#include <memory>
#include <optional>

namespace glasshub::host {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  // `socket` must run on its own strand. `metrics_only`: the internal port (server.metricsPort),
  // which answers GET /metrics and nothing else.
  http_session(tcp::socket&& socket, core::Hub& hub, std::shared_ptr<admission> limits,
               bool metrics_only);

  void run();

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  // Hands the socket to the endpoint of the path, or returns the refusal to answer instead.
  std::optional<http_response> upgrade(const http_request& req);
  // The host's own routes; nothing when the request is for the plugins' routes.
  std::optional<http_response> host_route(const http_request& req);
  // Hands the request to the hub's plugin routes; the answer comes back through plugin_reply.
  void plugin_route(http_request& req);
  void plugin_reply(std::uint64_t request, core::HttpOut out);
  http_response health(const http_request& req) const;
  http_response metrics(const http_request& req) const;
  http_response admin_handlers(const http_request& req) const;
  http_response admin_reload(const http_request& req) const;
  // The answer for a request without the admin bearer token; nothing when it has it.
  std::optional<http_response> admin_refusal(const http_request& req) const;
  http_response admin_log_levels(const http_request& req);
  void respond(const http_request& req, http_response&& res);
  void on_write(beast::error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http_response res_;  // kept alive while it is written
  // Numbers plugin requests; odd while one awaits its answer, so late answers are told apart.
  std::uint64_t awaited_request_ = 0;
  core::Hub& hub_;
  std::shared_ptr<admission> admission_;
  const bool metrics_only_;
};

}  // namespace glasshub::host
