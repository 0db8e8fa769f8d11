#include "support/http_client.hpp"

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

std::pair<std::string, std::string> bearer(const std::string& token) {
  return {"Authorization", "Bearer " + token};
}

nlohmann::json HttpResponse::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw std::runtime_error("HTTP " + std::to_string(status) + " body is not JSON: " + body);
  }
  return parsed;
}

namespace {

// Runs the request with async operations on a private io_context so that the deadline holds for
// connect, write and read alike (beast::tcp_stream closes the socket when it expires).
HttpResponse request(http::verb verb, uint16_t port, const std::string& target,
                     const std::string* body, const Headers& headers,
                     std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  const std::string where = std::string(http::to_string(verb)) + " http://127.0.0.1:" +
                            std::to_string(port) + target;

  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::user_agent, "glasshub-tests");
  req.set(http::field::connection, "close");
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    req.set(name, value);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    has_content_type = has_content_type || lower == "content-type";
  }
  if (body) {
    if (!has_content_type) req.set(http::field::content_type, "application/json");
    req.body() = *body;
  }
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failure;
  std::string failed_step;

  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      failed_step = "connect";
      return;
    }
    http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) {
      if (ec2) {
        failure = ec2;
        failed_step = "write";
        return;
      }
      http::async_read(stream, buffer, res, [&](beast::error_code ec3, std::size_t) {
        if (ec3) {
          failure = ec3;
          failed_step = "read";
        }
      });
    });
  });
  ioc.run();
  if (failure) {
    throw std::runtime_error(where + ": " + failed_step + " failed: " + failure.message());
  }

  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);

  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(field.value());
  }
  return out;
}

}  // namespace

HttpResponse http_get(uint16_t port, const std::string& target, const Headers& headers,
                      std::chrono::milliseconds timeout) {
  return request(http::verb::get, port, target, nullptr, headers, timeout);
}

HttpResponse http_post(uint16_t port, const std::string& target, const std::string& body,
                       const Headers& headers, std::chrono::milliseconds timeout) {
  return request(http::verb::post, port, target, &body, headers, timeout);
}

HttpResponse http_send(uint16_t port, std::string_view method, const std::string& target,
                       const std::optional<std::string>& body, const Headers& headers,
                       std::chrono::milliseconds timeout) {
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) throw std::invalid_argument("unknown method " + std::string(method));
  return request(verb, port, target, body ? &*body : nullptr, headers, timeout);
}

}  // namespace glasshub::test
