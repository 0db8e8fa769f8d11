#include "support/http_connection.hpp"

#include "client_io/http1.hpp"
#include "client_io/tcp_client.hpp"

#include <stdexcept>

namespace glasshub::test {

using client_io::Clock;

struct HttpConnection::state {
  client_io::TcpClient socket;
  std::string buffer;  // bytes of the next response read with the last one
  std::chrono::milliseconds timeout;
  uint16_t port = 0;

  std::string build(const std::string& method, const std::string& target, const std::string& body,
                    const Headers& headers) const {
    client_io::Fields fields{{"Host", "127.0.0.1:" + std::to_string(port)},
                             {"User-Agent", "glasshub-tests"}};
    if (!body.empty()) fields.emplace_back("Content-Type", "application/json");  // unless set
    fields.insert(fields.end(), headers.begin(), headers.end());
    return client_io::request_text(method, target, fields, body);
  }

  void write(const std::string& request, const std::string& where) {
    bool done = false;
    try {
      done = socket.write_all(request, Clock::now() + timeout);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + ": write failed: " + e.what());
    }
    if (!done) throw std::runtime_error(where + ": write failed: timed out");
  }
};

HttpConnection::HttpConnection(uint16_t port, std::chrono::milliseconds timeout)
    : state_(std::make_unique<state>()) {
  state_->timeout = timeout;
  state_->port = port;
  const std::string where = "connect to 127.0.0.1:" + std::to_string(port) + " failed: ";
  bool connected = false;
  try {
    connected = state_->socket.connect("127.0.0.1", port, Clock::now() + timeout);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(where + e.what());
  }
  if (!connected) throw std::runtime_error(where + "timed out");
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::send_only(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  state_->write(state_->build(method, target, body, headers), method + " " + target);
}

HttpResponse HttpConnection::request(const std::string& method, const std::string& target,
                                     const std::string& body, const Headers& headers) {
  const std::string where = method + " " + target;
  state_->write(state_->build(method, target, body, headers), where);
  std::optional<client_io::Response> res;
  try {
    res = client_io::read_response(state_->socket, state_->buffer, Clock::now() + state_->timeout,
                                   method == "HEAD");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(where + ": read failed: " + e.what());
  }
  if (!res) throw std::runtime_error(where + ": read failed: timed out");
  return HttpResponse{res->status, std::move(res->body), std::move(res->headers)};
}

void HttpConnection::close() { state_->socket.close(); }

}  // namespace glasshub::test
