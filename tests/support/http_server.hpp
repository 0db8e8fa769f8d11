// A tiny HTTP/1.1 server for tests, on 127.0.0.1 with an OS-chosen port and its own thread: it
// records every request and answers each with one fixed response, or never answers at all.
#pragma once

#include "support/tls_identity.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace glasshub::test {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string server_name;  // the TLS client's SNI; empty over plain HTTP or without SNI
};

class HttpServer {
 public:
  struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body = "{}";
  };

  // Answers every request with `response`, then closes the connection. With `tls`, speaks
  // HTTPS only, presenting that certificate.
  explicit HttpServer(Response response, std::optional<TlsIdentity> tls = std::nullopt);
  // Reads every request and never answers (the connections stay open until destruction).
  static std::unique_ptr<HttpServer> silent();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const noexcept;
  // http://127.0.0.1:<port><target> (https:// for a TLS server)
  std::string url(const std::string& target) const;
  // What arrived so far (complete requests only).
  std::vector<RecordedRequest> requests() const;
  // Waits until `n` requests arrived; false after `timeout`.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct state;
  HttpServer(Response response, std::optional<TlsIdentity> tls, bool answer);
  std::unique_ptr<state> state_;
};

// A port on 127.0.0.1 that nobody listens on (bound, then released).
uint16_t closed_port();

}  // namespace glasshub::test
