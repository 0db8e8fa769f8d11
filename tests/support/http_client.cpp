#include "support/http_client.hpp"

#include "client_io/http1.hpp"
#include "client_io/tcp_client.hpp"

#include <stdexcept>

namespace glasshub::test {

using client_io::Clock;

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

// One request on its own connection (Connection: close), the deadline over every step.
HttpResponse request(std::string_view method, uint16_t port, const std::string& target,
                     const std::string* body, const Headers& headers,
                     std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string where = std::string(method) + " http://" + host + target;
  client_io::Fields fields{
      {"Host", host}, {"User-Agent", "glasshub-tests"}, {"Connection", "close"}};
  if (body) fields.emplace_back("Content-Type", "application/json");  // unless `headers` sets one
  fields.insert(fields.end(), headers.begin(), headers.end());

  client_io::TcpClient socket;
  std::string step = "connect";
  std::optional<client_io::Response> res;
  try {
    if (socket.connect("127.0.0.1", port, deadline)) {
      step = "write";
      if (socket.write_all(client_io::request_text(method, target, fields, body ? *body : ""),
                           deadline)) {
        step = "read";
        std::string buffer;
        res = client_io::read_response(socket, buffer, deadline, method == "HEAD");
      }
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(where + ": " + step + " failed: " + e.what());
  }
  if (!res) throw std::runtime_error(where + ": " + step + " failed: timed out");
  return HttpResponse{res->status, std::move(res->body), std::move(res->headers)};
}

}  // namespace

HttpResponse http_get(uint16_t port, const std::string& target, const Headers& headers,
                      std::chrono::milliseconds timeout) {
  return request("GET", port, target, nullptr, headers, timeout);
}

HttpResponse http_post(uint16_t port, const std::string& target, const std::string& body,
                       const Headers& headers, std::chrono::milliseconds timeout) {
  return request("POST", port, target, &body, headers, timeout);
}

HttpResponse http_send(uint16_t port, std::string_view method, const std::string& target,
                       const std::optional<std::string>& body, const Headers& headers,
                       std::chrono::milliseconds timeout) {
  return request(method, port, target, body ? &*body : nullptr, headers, timeout);
}

}  // namespace glasshub::test
