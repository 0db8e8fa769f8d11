#include "support/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace glasshub::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

// Handlers hold `this` only: the io_context, a member, is stopped and destroyed before the rest.
struct HttpServer::state {
  // One accepted connection: read one request, record it, answer or hold the socket open.
  struct connection {
    explicit connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;                           // moved into `tls` for HTTPS
    std::optional<ssl::stream<tcp::socket>> tls;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  state(Response r, std::optional<TlsIdentity> identity, bool a)
      : response(std::move(r)), answer(a) {
    if (!identity) return;
    tls.emplace(ssl::context::tls_server);
    tls->use_certificate_chain(asio::buffer(identity->cert_pem));
    tls->use_private_key(asio::buffer(identity->key_pem), ssl::context::pem);
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      auto c = std::make_shared<connection>(std::move(s));
      if (tls) {
        c->tls.emplace(std::move(c->socket), *tls);
        c->tls->async_handshake(ssl::stream_base::server, [this, c](beast::error_code hs_ec) {
          if (!hs_ec) read(c, *c->tls);
        });
      } else {
        read(c, c->socket);
      }
      accept();
    });
  }

  template <class Stream>
  void read(const std::shared_ptr<connection>& c, Stream& stream) {
    http::async_read(stream, c->buffer, c->req,
                     [this, c, &stream](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       record(*c);
                       if (answer) return write(c, stream);
                       held.push_back(c);  // silent: keep it open, answer nothing
                     });
  }

  void record(connection& c) {
    RecordedRequest r;
    r.method = std::string(c.req.method_string());
    r.target = std::string(c.req.target());
    for (const auto& field : c.req)
      r.headers[lowercase(std::string(field.name_string()))] = std::string(field.value());
    r.body = c.req.body();
    if (c.tls) {
      const char* sni = SSL_get_servername(c.tls->native_handle(), TLSEXT_NAMETYPE_host_name);
      if (sni) r.server_name = sni;
    }
    {
      std::lock_guard lock(mutex);
      recorded.push_back(std::move(r));
    }
    arrived.notify_all();
  }

  template <class Stream>
  void write(const std::shared_ptr<connection>& c, Stream& stream) {
    c->res.result(static_cast<unsigned>(response.status));
    c->res.version(11);
    c->res.set(http::field::content_type, response.content_type);
    c->res.keep_alive(false);
    c->res.body() = response.body;
    c->res.prepare_payload();
    http::async_write(stream, c->res, [c](beast::error_code, std::size_t) {
      beast::error_code ignored;
      tcp::socket& socket = c->tls ? c->tls->next_layer() : c->socket;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  const Response response;
  const bool answer;
  std::optional<ssl::context> tls;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::vector<std::shared_ptr<connection>> held;  // only touched on the server's thread
  std::thread thread;
  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::vector<RecordedRequest> recorded;
};

HttpServer::HttpServer(Response response, std::optional<TlsIdentity> tls)
    : HttpServer(std::move(response), std::move(tls), true) {}

HttpServer::HttpServer(Response response, std::optional<TlsIdentity> tls, bool answer)
    : state_(std::make_unique<state>(std::move(response), std::move(tls), answer)) {
  state_->accept();
  state_->thread = std::thread([s = state_.get()] { s->ioc.run(); });
}

std::unique_ptr<HttpServer> HttpServer::silent() {
  return std::unique_ptr<HttpServer>(new HttpServer(Response{}, std::nullopt, false));
}

HttpServer::~HttpServer() {
  state_->ioc.stop();
  state_->thread.join();
}

uint16_t HttpServer::port() const noexcept { return state_->acceptor.local_endpoint().port(); }

std::string HttpServer::url(const std::string& target) const {
  return std::string(state_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         target;
}

std::vector<RecordedRequest> HttpServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->recorded;
}

bool HttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->arrived.wait_for(lock, timeout, [&] { return state_->recorded.size() >= n; });
}

uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace glasshub::test
