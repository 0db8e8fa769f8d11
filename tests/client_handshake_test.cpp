// The clients' side of the opening handshake: the tests' WebSocket client
// (tests/support/ws_client.cpp) and the load generator (rfc6455::accept_matches of tools/client_io)
// refuse a 101 whose Sec-WebSocket-Accept is not the proof its key calls for, so no test or
// benchmark can pass against a server that skips the RFC's proof. A raw server answers
// the request with the accept value it is given.
#include "support/ws_client.hpp"

#include "client_io/rfc6455.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

using namespace glasshub::test;

namespace {

// Listens on a free loopback port; answers one upgrade request with a 101 carrying
// accept(<the request's Sec-WebSocket-Key>), then waits for the client to go.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<std::string(const std::string& key)> accept)
      : accept_(std::move(accept)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void serve() {
    const int conn = ::accept(fd_, nullptr, nullptr);
    if (conn < 0) return;
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    const std::string field = "Sec-WebSocket-Key: ";
    std::string key;
    if (const auto at = request.find(field); at != std::string::npos)
      key = request.substr(at + field.size(), request.find("\r\n", at) - at - field.size());
    const std::string answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " + accept_(key) + "\r\n\r\n";
    (void)::send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
    while (::recv(conn, buf, sizeof buf, 0) > 0) {
    }  // until the client closes
    ::close(conn);
  }

  std::function<std::string(const std::string&)> accept_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("The client upgrades when Sec-WebSocket-Accept is the key's proof", "[client]") {
  OneShotServer server([](const std::string& key) { return glasshub::rfc6455::accept_key(key); });
  WsClient client;
  CHECK(client.connect(server.port(), "/glasses-ws").upgraded);
}

TEST_CASE("The client refuses a 101 with a wrong Sec-WebSocket-Accept", "[client]") {
  // The right proof for another key, and an echo of the key itself (a server that skipped the
  // SHA-1): both wrong.
  const auto wrong = GENERATE(as<std::string>{}, "other", "echo");
  INFO("answer: " << wrong);
  OneShotServer server([&](const std::string& key) {
    return wrong == "echo" ? key : glasshub::rfc6455::accept_key("dGhlIHNhbXBsZSBub25jZQ==");
  });
  WsClient client;
  CHECK_THROWS_WITH(client.connect(server.port(), "/glasses-ws"),
                    Catch::Contains("wrong Sec-WebSocket-Accept"));
}

TEST_CASE("rfc6455::accept_matches reads the field as the load generator meets it", "[client]") {
  using glasshub::rfc6455::accept_key;
  using glasshub::rfc6455::accept_matches;
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  const std::string head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";
  CHECK(accept_key(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 section 1.3's example
  CHECK(accept_matches(head + "Sec-WebSocket-Accept: " + accept_key(key) + "\r\n\r\n", key));
  CHECK(accept_matches(head + "sec-websocket-accept:\t" + accept_key(key) + " \r\n\r\n", key));
  CHECK_FALSE(accept_matches(head + "Sec-WebSocket-Accept: " + key + "\r\n\r\n", key));
  CHECK_FALSE(accept_matches(head + "Sec-WebSocket-Accept: " + accept_key("x") + "\r\n\r\n", key));
  CHECK_FALSE(accept_matches(head + "\r\n", key));  // no field at all
}
