// One accepted WebSocket: read loop, byte-capped send queue with one write in flight, close.
#pragma once

#include "http_message.hpp"
#include "ws_handler.hpp"

#include <glasshub/core/config.hpp>
#include <glasshub/core/connection.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace glasshub::host {

namespace websocket = beast::websocket;

class ws_connection final : public core::Connection,
                            public std::enable_shared_from_this<ws_connection> {
 public:
  // `socket` must run on its own strand: every handler of this connection runs there.
  ws_connection(tcp::socket&& socket, std::unique_ptr<ws_handler> handler,
                const core::Config::WebSocket& limits, websocket::stream_base::timeout timeout);

  // Answers the upgrade `req`, then reads until the socket is done.
  void run(const http_request& req);

  bool send(core::Frame frame, gh_frame_kind kind, gh_delivery delivery) override;
  void close(uint16_t code, std::string reason) override;
  uint64_t id() const override { return id_; }

  // Droppable frames refused because the send queue was at its byte cap.
  uint64_t dropped_frames() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  // WebSockets of this process that are open (upgraded and not yet done); shutdown waits on it.
  static std::size_t open_count() noexcept;
  // Closes every open socket (shutdown), including those no endpoint has handed to the hub.
  static void close_all(uint16_t code, const std::string& reason);

 private:
  struct outgoing {
    core::Frame frame;
    gh_frame_kind kind;
  };

  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_done(beast::error_code ec);
  void request_close(uint16_t code, std::string reason, bool discard_queue);
  void do_close(websocket::close_reason reason, bool discard_queue);
  void enqueue(core::Frame frame, gh_frame_kind kind);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void send_close();
  void set_cork(bool on) noexcept;
  void release(const outgoing& out) noexcept;
  template <class Call>
  void guarded(Call&& call);

  websocket::stream<beast::tcp_stream> ws_;
  std::unique_ptr<ws_handler> handler_;
  beast::flat_buffer buffer_;
  net::steady_timer close_deadline_;
  const uint64_t queue_cap_;
  const uint64_t id_;

  // Strand-only state. The front of queue_ is being written whenever queue_ is not empty.
  std::deque<outgoing> queue_;
  std::optional<websocket::close_reason> pending_close_;  // sent once queue_ has drained
  bool open_ = false;
  bool close_sent_ = false;
  bool corked_ = false;  // TCP_CORK set while more than one frame was queued

  // Read by send()/close() on any thread.
  std::atomic<bool> closing_{false};
  std::atomic<uint64_t> queued_bytes_{0};  // queued or posted towards the queue
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace glasshub::host
