// A small blocking HTTP/1.1 client for tests: one request, one response, with a deadline.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glasshub::test {

// Request headers, in order (name, value).
using Headers = std::vector<std::pair<std::string, std::string>>;

// `Authorization: Bearer <token>`.
std::pair<std::string, std::string> bearer(const std::string& token);

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased

  // The body parsed as JSON; throws std::runtime_error (with the body) when it is not JSON.
  nlohmann::json json() const;
};

// GET http://127.0.0.1:<port><target>. Throws std::runtime_error on connect/timeout failures.
HttpResponse http_get(uint16_t port, const std::string& target, const Headers& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

// POST with a body (Content-Type application/json unless `headers` sets one).
HttpResponse http_post(uint16_t port, const std::string& target, const std::string& body,
                       const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Any method ("OPTIONS", "PUT"...), with a body when `body` is given.
HttpResponse http_send(uint16_t port, std::string_view method, const std::string& target,
                       const std::optional<std::string>& body = std::nullopt,
                       const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace glasshub::test
