#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>

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
// be confused by predictable bytes. Zero keeps the payload as it is.
constexpr char mask_key[4] = {0, 0, 0, 0};

}  // namespace

WsClient::WsClient(asio::io_context& ioc, WsClientListener& listener, int user, int app)
    : socket_(ioc), deadline_(ioc), listener_(listener), user_(user), app_(app) {}

void WsClient::open(const asio::ip::tcp::endpoint& endpoint, const std::string& target) {
  const std::string host = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
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
        self->in_.erase(0, head);  // frames sent right behind the 101 stay
        self->deadline_.cancel();
        self->open_ = true;
        self->socket_.non_blocking(true);
        self->listener_.on_open(*self);
        if (self->done_) return;
        if (!self->in_.empty() && !self->consume()) return;
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
    in_.append(buffer, n);
    if (!consume()) return;
    if (n < read_chunk) break;
  }
  do_read();
}

bool WsClient::consume() {
  std::size_t at = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
  while (in_.size() - at >= 2) {
    const unsigned char b0 = p[at], b1 = p[at + 1];
    std::size_t header = 2;
    uint64_t length = b1 & 0x7f;
    if (length == 126) {
      if (in_.size() - at < 4) break;
      length = (uint64_t{p[at + 2]} << 8) | p[at + 3];
      header = 4;
    } else if (length == 127) {
      if (in_.size() - at < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[at + 2 + i];
      header = 10;
    }
    if (b1 & 0x80) return fail("read", "a masked frame from the server"), false;
    if (in_.size() - at - header < length) break;
    const std::string_view payload(in_.data() + at + header, length);
    at += header + length;
    const bool fin = b0 & 0x80;
    switch (b0 & 0x0f) {
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
          listener_.on_message(*this, payload, (b0 & 0x0f) == 0x2);
        } else {
          message_binary_ = (b0 & 0x0f) == 0x2;
          message_.assign(payload);
        }
        break;
      case 0x8: {  // the host closes: report its code and reason
        std::string why = "closed by the host";
        if (payload.size() >= 2) {
          const auto* c = reinterpret_cast<const unsigned char*>(payload.data());
          why += " with " + std::to_string((c[0] << 8) | c[1]);
          if (payload.size() > 2) why += " (" + std::string(payload.substr(2)) + ")";
        }
        return fail("read", why), false;
      }
      case 0x9:
        append_frame(0xA, payload);
        if (!writing_) do_write();
        break;
      default:  // pong
        break;
    }
    if (done_) return false;
  }
  in_.erase(0, at);
  return true;
}

void WsClient::send(std::string_view text, bool binary) {
  if (done_ || !open_) return;
  append_frame(binary ? 0x2 : 0x1, text);
  if (!writing_) do_write();
}

void WsClient::append_frame(unsigned char opcode, std::string_view payload) {
  char header[14];
  std::size_t n = 0;
  header[n++] = static_cast<char>(0x80 | opcode);
  const std::size_t size = payload.size();
  if (size < 126) {
    header[n++] = static_cast<char>(0x80 | size);
  } else if (size <= 0xffff) {
    header[n++] = static_cast<char>(0x80 | 126);
    header[n++] = static_cast<char>(size >> 8);
    header[n++] = static_cast<char>(size);
  } else {
    header[n++] = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) header[n++] = static_cast<char>(uint64_t{size} >> (8 * i));
  }
  std::memcpy(header + n, mask_key, 4);
  n += 4;
  fill_.append(header, n);
  fill_.append(payload);
}

void WsClient::do_write() {
  if (fill_.empty() || done_) return;
  writing_ = true;
  wire_.swap(fill_);
  asio::async_write(socket_, asio::buffer(wire_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      self->wire_.clear();
                      if (self->done_) return;
                      if (ec) return self->fail("write", ec.message());
                      self->do_write();
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
