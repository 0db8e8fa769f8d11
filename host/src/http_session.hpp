// One HTTP connection: reads requests, answers the host's routes, hands upgrades to an endpoint.
#pragma once

#include "http_message.hpp"

#include <glasshub/core/hub.hpp>

#include <memory>
#include <optional>

namespace glasshub::host {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  // `socket` must run on its own strand.
  http_session(tcp::socket&& socket, core::Hub& hub);

  void run();

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  // Hands the socket to the endpoint of the path, or returns the refusal to answer instead.
  std::optional<http_response> upgrade(const http_request& req);
  http_response route(const http_request& req) const;
  http_response health(const http_request& req) const;
  http_response admin_handlers(const http_request& req) const;
  void respond(const http_request& req, http_response&& res);
  void on_write(beast::error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http_response res_;  // kept alive while it is written
  core::Hub& hub_;
};

}  // namespace glasshub::host
