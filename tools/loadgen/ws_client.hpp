// One asynchronous WebSocket client (a phone or an app) on its worker's single-threaded
// io_context: connect, upgrade, a read loop, a queue of outgoing text frames with one write in
// flight (text or binary). What the messages mean is the listener's business (worker.cpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace glasshub::loadgen {

class WsClient;

// Called on the worker's thread.
class WsClientListener {
 public:
  virtual ~WsClientListener() = default;
  virtual void on_open(WsClient& client) = 0;
  // `binary`: a binary frame (audio), else text.
  virtual void on_message(WsClient& client, std::string_view text, bool binary) = 0;
  // The connection failed or ended; `stage` is connect, upgrade, read or write.
  virtual void on_failed(WsClient& client, std::string_view stage, std::string message) = 0;
};

class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  // `app` is -1 for the phone of `user`, else the index of the app.
  WsClient(boost::asio::io_context& ioc, WsClientListener& listener, int user, int app);

  // Connect to `endpoint` and upgrade `target`; on_open follows, or on_failed.
  void open(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& target);
  void send(std::string text, bool binary = false);
  // Drop the connection at once (no close handshake); no callback follows.
  void close();

  int user() const noexcept { return user_; }
  int app() const noexcept { return app_; }
  bool is_open() const noexcept { return open_; }
  // Bytes waiting behind the write in flight (and including it).
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }

 private:
  void on_connect(const boost::beast::error_code& ec);
  void on_handshake(const boost::beast::error_code& ec);
  void do_read();
  void on_read(const boost::beast::error_code& ec, std::size_t bytes);
  void do_write();
  void on_write(const boost::beast::error_code& ec, std::size_t bytes);
  void fail(std::string_view stage, const boost::beast::error_code& ec);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  WsClientListener& listener_;
  const int user_;
  const int app_;
  std::string host_;
  std::string target_;
  struct Outgoing {
    std::string bytes;
    bool binary = false;
  };
  std::deque<Outgoing> queue_;  // the front is being written whenever writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool open_ = false;
  bool done_ = false;  // failed or closed: no more callbacks
};

}  // namespace glasshub::loadgen
