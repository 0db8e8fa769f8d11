// One kept-alive HTTP/1.1 connection to the host for tests: requests in turn on the same socket,
// each blocking with its own deadline, so a test can tell the host kept the connection usable.
#pragma once

#include "support/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace glasshub::test {

class HttpConnection {
 public:
  // Connects to 127.0.0.1:<port>; throws std::runtime_error when it cannot.
  explicit HttpConnection(uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // `method` is any HTTP method name ("GET", "PATCH", "PROPFIND"...); a non-empty body goes out
  // as application/json unless `headers` sets Content-Type. Throws std::runtime_error on
  // failures and timeouts (the connection is unusable afterwards).
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = {}, const Headers& headers = {});
  // Sends one request without waiting for its answer.
  void send_only(const std::string& method, const std::string& target,
                 const std::string& body = {}, const Headers& headers = {});
  // Closes the socket (e.g. while the host still owes an answer).
  void close();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace glasshub::test
