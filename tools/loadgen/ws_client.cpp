#include "ws_client.hpp"

#include "client_io/rfc6455.hpp"
#include "steady_ns.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>

namespace glasshub::loadgen {

namespace asio = boost::asio;

namespace {

// The read buffer of the worker's thread: sockets are read until the kernel has nothing more.
constexpr std::size_t read_chunk = 256 * 1024;
char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[read_chunk]);
  return buffer.get();
}

// Any key works for a client: servers only unmask, and on loopback nothing sits in between to
// be confused by predictable bytes. Zero keeps the payload as it is (queue() relies on it).
constexpr std::array<char, 4> mask_key{};
// The same key for every upgrade (the RFC's sample): its proof is checked in every 101 all the
// same, so a server that does not compute it fails the run.
constexpr std::string_view upgrade_key = "dGhlIHNhbXBsZSBub25jZQ==";

}  // namespace

WsClient::WsClient(asio::io_context& ioc, WsClientListener& listener, int user, int app)
    : socket_(ioc), deadline_(ioc), listener_(listener), user_(user), app_(app) {}

void WsClient::open(const asio::ip::tcp::endpoint& endpoint, const std::string& target) {
  const std::string host = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  std::string request = rfc6455::upgrade_request(host, target, upgrade_key);
  deadline_.expires_after(std::chrono::seconds(10));
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->open_) self->fail("upgrade", "The socket was closed due to a timeout");
  });
  socket_.async_connect(endpoint, [self = shared_from_this(), request = std::move(request)](
                                      const boost::system::error_code& ec) {
    self->on_connect(ec, request);
  });
}

void WsClient::on_connect(const boost::system::error_code& ec, const std::string& request) {
  if (done_) return;
  if (ec) return fail("connect", ec.message());
  boost::system::error_code ignored;
  // Our frames leave at once: latency measures the host, not Nagle on our side.
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  wire_ = request;
  asio::async_write(socket_, asio::buffer(wire_),
                    [self = shared_from_this()](const boost::system::error_code& wec, std::size_t) {
                      self->wire_.clear();
                      if (self->done_) return;
                      if (wec) return self->fail("upgrade", wec.message());
                      self->read_response();
                    });
}

void WsClient::read_response() {
  asio::async_read_until(
      socket_, asio::dynamic_buffer(in_), "\r\n\r\n",
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t head) {
        if (self->done_) return;
        if (ec) return self->fail("upgrade", ec.message());
        const std::string_view status(self->in_.data(), std::min<std::size_t>(head, 12));
        if (status != "HTTP/1.1 101")
          return self->fail("upgrade", "refused: " + self->in_.substr(0, self->in_.find("\r\n")));
        if (!rfc6455::accept_matches(std::string_view(self->in_).substr(0, head), upgrade_key))
          return self->fail("upgrade", "a 101 with a wrong Sec-WebSocket-Accept");
        self->in_.erase(0, head);  // frames sent right behind the 101 stay
        self->deadline_.cancel();
        self->open_ = true;
        self->socket_.non_blocking(true);
        self->listener_.on_open(*self);
        if (self->done_) return;
        if (!self->in_.empty()) {
          self->received_at_ = steady_ns();
          const auto used = self->consume(self->in_);
          if (!used) return;
          self->in_.erase(0, *used);
          self->listener_.on_read_done(*self);
          if (self->done_) return;
        }
        self->do_read();
      });
}

void WsClient::do_read() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->on_readable(ec);
                     });
}

void WsClient::on_readable(const boost::system::error_code& wait_ec) {
  if (done_) return;
  if (wait_ec) return fail("read", wait_ec.message());
  char* buffer = thread_read_buffer();
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer, read_chunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return fail("read", ec == asio::error::eof ? "end of stream" : ec.message());
    received_at_ = steady_ns();
    if (in_.empty()) {  // frames are parsed where they were read; only a straddling one is kept
      const std::string_view bytes(buffer, n);
      const auto used = consume(bytes);
      if (!used) return;
      in_.assign(bytes.substr(*used));
    } else {
      in_.append(buffer, n);
      const auto used = consume(in_);
      if (!used) return;
      in_.erase(0, *used);
    }
    if (n < read_chunk) break;
  }
  listener_.on_read_done(*this);
  if (done_) return;
  do_read();
}

std::optional<std::size_t> WsClient::consume(std::string_view bytes) {
  std::size_t at = 0;
  while (const auto h = rfc6455::parse_header(bytes.substr(at))) {
    if (h->masked) return fail("read", "a masked frame from the server"), std::nullopt;
    if (bytes.size() - at - h->header_size < h->payload_size) break;
    const std::string_view payload(bytes.data() + at + h->header_size, h->payload_size);
    at += h->header_size + h->payload_size;
    const bool fin = h->fin;
    switch (h->opcode) {
      case 0x0:  // continuation
        message_.append(payload);
        if (fin) {
          listener_.on_message(*this, message_, message_binary_);
          message_.clear();
        }
        break;
      case 0x1:
      case 0x2:
        if (fin) {
          listener_.on_message(*this, payload, h->opcode == 0x2);
        } else {
          message_binary_ = h->opcode == 0x2;
          message_.assign(payload);
        }
        break;
      case 0x8: {  // the host closes: report its code and reason
        std::string why = "closed by the host";
        if (payload.size() >= 2) {
          const auto close = rfc6455::parse_close(payload);
          why += " with " + std::to_string(close.code);
          if (!close.reason.empty()) why += " (" + std::string(close.reason) + ")";
        }
        return fail("read", why), std::nullopt;
      }
      case 0x9:
        append_frame(rfc6455::Opcode::pong, payload);
        flush();
        break;
      default:  // pong
        break;
    }
    if (done_) return std::nullopt;
  }
  return at;
}

void WsClient::queue(std::initializer_list<std::string_view> parts, bool binary) {
  if (done_ || !open_) return;
  std::size_t size = 0;
  for (const auto part : parts) size += part.size();
  // The all-zero key: the parts go as they are.
  rfc6455::append_header(fill_, size, binary ? rfc6455::Opcode::binary : rfc6455::Opcode::text,
                         /*fin=*/true, mask_key);
  for (const auto part : parts) fill_.append(part);
}

void WsClient::append_frame(rfc6455::Opcode opcode, std::string_view payload) {
  rfc6455::append_frame(fill_, payload, opcode, /*fin=*/true, mask_key);
}

void WsClient::flush() {
  if (writing_ || fill_.empty() || done_) return;
  // The socket is non-blocking once open: most writes are taken whole, with no handler to run.
  boost::system::error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(fill_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again)
    return fail("write", ec.message());
  if (n == fill_.size()) return fill_.clear();
  wire_.assign(fill_, n);
  fill_.clear();
  write_rest();
}

void WsClient::write_rest() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(wire_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      self->wire_.clear();
                      if (self->done_) return;
                      if (ec) return self->fail("write", ec.message());
                      self->flush();
                    });
}

void WsClient::close() {
  done_ = true;
  open_ = false;
  boost::system::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
}

void WsClient::fail(std::string_view stage, std::string message) {
  if (done_) return;
  done_ = true;
  open_ = false;
  boost::system::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
  listener_.on_failed(*this, stage, std::move(message));
}

}  // namespace glasshub::loadgen
