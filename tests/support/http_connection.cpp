#include "support/http_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace glasshub::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

// Async operations on a private io_context, so the stream's deadline holds for every step.
struct HttpConnection::state {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  uint16_t port = 0;

  // Runs what was started until it completes; throws with `what` on an error.
  void finish(const beast::error_code& ec, const std::string& what) {
    ioc.restart();
    if (ec) throw std::runtime_error(what + ": " + ec.message());
  }

  http::request<http::string_body> build(const std::string& method, const std::string& target,
                                         const std::string& body, const Headers& headers) const {
    http::request<http::string_body> req;
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown)
      req.method_string(method);
    else
      req.method(verb);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::user_agent, "glasshub-tests");
    bool has_content_type = false;
    for (const auto& [name, value] : headers) {
      req.set(name, value);
      has_content_type = has_content_type || lowercase(name) == "content-type";
    }
    if (!body.empty()) {
      if (!has_content_type) req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  void write(const http::request<http::string_body>& req, const std::string& where) {
    beast::error_code failure;
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) { failure = ec; });
    ioc.run();
    finish(failure, where + ": write failed");
  }
};

HttpConnection::HttpConnection(uint16_t port, std::chrono::milliseconds timeout)
    : state_(std::make_unique<state>()) {
  state_->timeout = timeout;
  state_->port = port;
  beast::error_code failure;
  state_->stream.expires_after(timeout);
  state_->stream.async_connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
      [&](beast::error_code ec) { failure = ec; });
  state_->ioc.run();
  state_->finish(failure, "connect to 127.0.0.1:" + std::to_string(port) + " failed");
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::send_only(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  state_->write(state_->build(method, target, body, headers), method + " " + target);
}

HttpResponse HttpConnection::request(const std::string& method, const std::string& target,
                                     const std::string& body, const Headers& headers) {
  const auto req = state_->build(method, target, body, headers);
  const std::string where = method + " " + target;
  state_->write(req, where);

  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  beast::error_code failure;
  state_->stream.expires_after(state_->timeout);
  http::async_read(state_->stream, state_->buffer, parser,
                   [&](beast::error_code ec, std::size_t) { failure = ec; });
  state_->ioc.run();
  state_->finish(failure, where + ": read failed");

  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res)
    out.headers[lowercase(std::string(field.name_string()))] = std::string(field.value());
  return out;
}

void HttpConnection::close() {
  beast::error_code ignored;
  state_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  state_->stream.socket().close(ignored);
}

}  // namespace glasshub::test
