// One asynchronous WebSocket client (a phone or an app) on its worker's single-threaded
// io_context: connect, upgrade, a read loop, and outgoing frames (text or binary) appended to one
// buffer that flush() hands to the kernel in one write — frames queued before a flush, or while
// a write waits for the socket, leave together. RFC 6455 is spoken here directly (no Beast
// stream) so the load generator costs less per message than the servers it measures. What the
// messages mean is the listener's business (worker.cpp).
#pragma once

#include "client_io/rfc6455.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace glasshub::loadgen {

class WsClient;

// Called on the worker's thread.
class WsClientListener {
 public:
  virtual ~WsClientListener() = default;
  virtual void on_open(WsClient& client) = 0;
  // `binary`: a binary frame (audio), else text. client.received_at() is when its read returned.
  virtual void on_message(WsClient& client, std::string_view text, bool binary) = 0;
  // The messages of one read have all been handed over: frames queued for them may leave now.
  virtual void on_read_done(WsClient& client) = 0;
  // The connection failed or ended; `stage` is connect, upgrade, read or write.
  virtual void on_failed(WsClient& client, std::string_view stage, std::string message) = 0;
};

class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  // `app` is -1 for the phone of `user`, else the index of the app.
  WsClient(boost::asio::io_context& ioc, WsClientListener& listener, int user, int app);

  // Connect to `endpoint` and upgrade `target`; on_open follows, or on_failed.
  void open(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& target);
  void send(std::string_view text, bool binary = false) {
    queue(text, binary);
    flush();
  }
  // Appends a frame that leaves with the next flush().
  void queue(std::string_view text, bool binary = false) { queue({text}, binary); }
  // The same for a frame whose payload is `parts` one after the other (built without a copy).
  void queue(std::initializer_list<std::string_view> parts, bool binary = false);
  // Writes what is queued now if the socket takes it, else once it does.
  void flush();
  // Drop the connection at once (no close handshake); no callback follows.
  void close();

  int user() const noexcept { return user_; }
  int app() const noexcept { return app_; }
  bool is_open() const noexcept { return open_; }
  // Steady-clock ns when the read that holds the current message returned: one clock read per
  // read rather than per message (a read holds up to a window of deliveries).
  uint64_t received_at() const noexcept { return received_at_; }
  // Bytes not yet taken by the kernel (the write in flight and what waits behind it).
  std::size_t queued_bytes() const noexcept { return fill_.size() + wire_.size(); }

 private:
  void on_connect(const boost::system::error_code& ec, const std::string& request);
  void read_response();
  void do_read();
  void on_readable(const boost::system::error_code& ec);
  // Parses the whole frames at the start of `bytes`: how many bytes they took, or nullopt once
  // the client is done.
  std::optional<std::size_t> consume(std::string_view bytes);
  void append_frame(rfc6455::Opcode opcode, std::string_view payload);
  void write_rest();  // an asynchronous write of wire_, for what the socket did not take at once
  void fail(std::string_view stage, std::string message);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;  // connect and upgrade
  WsClientListener& listener_;
  const int user_;
  const int app_;
  std::string in_;       // bytes read and not yet parsed (a frame straddling reads)
  std::string message_;  // fragments of a message being assembled
  bool message_binary_ = false;
  std::string fill_;  // frames queued, not yet handed to the kernel
  std::string wire_;  // the asynchronous write in flight
  uint64_t received_at_ = 0;
  bool writing_ = false;
  bool open_ = false;
  bool done_ = false;  // failed or closed: no more callbacks
};

}  // namespace glasshub::loadgen
