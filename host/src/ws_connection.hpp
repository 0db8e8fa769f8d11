// One accepted WebSocket on a plain TCP socket: the RFC 6455 server side, written for this host's
// traffic. Reads go through one buffer per thread (an idle socket holds no read buffer); sends
// append finished frames to one buffer that a single write flushes per batch (a burst of frames
// costs one syscall, and an idle socket holds no write buffer either). The write may happen on
// any thread, under the send lock: a phone's read handler writes the frames it caused to its
// apps' sockets when it returns (write_cork), without a hop through their strands.
#pragma once

#include "admission.hpp"
#include "coarse_timer.hpp"
#include "http_message.hpp"
#include "message_rate.hpp"
#include "polled_socket.hpp"
#include "small_mutex.hpp"
#include "socket_strand.hpp"
#include "thread_buffers.hpp"
#include "ws_frame.hpp"
#include "ws_handler.hpp"

#include <glasshub/core/connection.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace glasshub::host {

class ws_connection final : public core::Connection,
                            public std::enable_shared_from_this<ws_connection> {
 public:
  // Every handler of this connection runs on `strand` (a phone's is its session's).
  // `keepalive`: a protocol ping after websocket.appPingIntervalMs without a byte from the peer,
  // and the socket dropped after as long again (apps); false: no liveness check at this layer
  // (the phone). Timers and limits are read from core::live_settings when used, so a reload
  // applies at the next timer arm, frame or send. `seat` (limits.*) is held for as long as this
  // object, and so its descriptor, lives.
  ws_connection(tcp::socket&& socket, const socket_strand& strand,
                std::unique_ptr<ws_handler> handler, bool keepalive, admission::ticket seat);

  // Answers the upgrade `req` (101, or 400/426 for a bad handshake), then reads until done, on
  // the socket's strand. Any thread.
  void start(const http_request& req);

  // Frames from this size up go straight to the kernel when nothing is queued (send()); smaller
  // ones are queued so that a burst to one socket shares a write.
  static constexpr std::size_t direct_write_min = 2048;
  bool send(std::string_view frame, gh_frame_kind kind, gh_delivery delivery) override;
  void close(uint16_t code, std::string reason) override;
  uint64_t id() const override { return id_; }
  const socket_strand& strand() const noexcept { return strand_; }

  // Droppable frames refused because the send queue was at its byte cap.
  uint64_t dropped_frames() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  // WebSockets of this process that are open (upgraded and not yet done); shutdown waits on it.
  static std::size_t open_count() noexcept;
  // Bytes waiting to be written on every open socket now (a scrape walks them: no cost per send).
  static uint64_t queued_bytes_total();
  // Droppable frames refused at a socket's byte cap since start, every socket.
  static uint64_t dropped_frames_total() noexcept;
  // Closes every open socket (shutdown), including those no endpoint has handed to the hub.
  static void close_all(uint16_t code, const std::string& reason);
  // The glasshub_connections_rejected_total reason when the host closed this socket because of
  // what the peer sent (`protocol_violation`, `invalid_utf8`, `message_too_big`); empty
  // otherwise, also when the peer itself sent one of those codes (strand only).
  std::string_view refused_reason() const noexcept;

  ~ws_connection() override;

 private:
  friend class write_cork;  // flushes what a read handler sent, on the handler's thread

  void run(std::string response, bool accepted);
  void open();
  // polled_socket::ready_fn: readiness edges become work for the strand, noted for run_ready.
  static void poll_ready(void* self, uint32_t events);
  // polled_socket::batch_fn: the noted work, on each socket's strand (inline when it may and
  // the strand is free).
  static void run_ready(bool may_run_inline);
  void on_readable();
  void on_writable();
  bool consume(char* data, std::size_t size);
  bool on_frame(const ws::frame& f);
  // False (the message dropped, the handler told) when it is over limits.messagesPerSecond.
  bool within_rate();
  void deliver(std::string_view message, bool binary);
  void fail(uint16_t code, std::string_view reason);
  void end_with_close(uint16_t code, std::string_view reason, uint16_t reported);
  void on_done(uint16_t code);
  void request_close(uint16_t code, std::string reason, bool discard_queue);
  void do_close(uint16_t code, const std::string& reason, bool discard_queue);
  void queue_control(ws::opcode op, std::string_view payload);
  void post_flush();
  // Writes what is queued; any thread (the send lock orders writers, the strand the rest).
  void flush();
  // True once, when a flush finds everything written after shut_when_flushed (send lock held).
  bool finish_owed_locked();
  void shut_when_flushed();
  void finish();
  void drain();
  void shut();
  // The list of open sockets (close_all, queued_bytes_total; ws_connection_registry.cpp).
  // enlist() says whether close_all already ran (its code and reason): the socket then closes.
  std::optional<std::pair<uint16_t, std::string>> enlist();
  void delist();  // no-op when not listed
  void arm_keepalive();
  void arm_close_deadline();
  static void timer_due(void* self, uint32_t generation);  // coarse_timer::fire_fn
  void on_timer();
  // Runs an endpoint callback; one that throws loses its socket (handler_failed), never the
  // process.
  template <class Call>
  void guarded(Call&& call) {
    try {
      call();
    } catch (const std::exception& e) {
      handler_failed(e);
    }
  }
  void handler_failed(const std::exception& e);

  // Ordered for size (an idle socket is this object and little else) within two rules: seat_
  // first, so it is given back after the descriptor is closed; what poll_ready and timer_due
  // read on other threads before socket_ and timer_, which may call them until destroyed.
  admission::ticket seat_;
  const socket_strand strand_;
  std::unique_ptr<ws_handler> handler_;
  coarse_timer timer_;  // keepalive ticks, then the close handshake's deadline
  const uint64_t id_;
  // The read edges since the posted read started (none: no read is posted).
  std::atomic<uint32_t> read_events_{0};
  small_mutex out_mutex_;  // the send side's lock (below)
  std::atomic<bool> waiting_writable_{false};  // the send side waits for a writable edge
  std::atomic<bool> closing_{false};
  const bool keepalive_;
  // Strand-only flags.
  bool opened_ = false;      // on_open ran: on_closed is owed
  bool done_ = false;        // on_closed ran (or never will): nothing more is read
  bool close_sent_ = false;  // our close frame is queued
  bool received_ = false;    // a byte arrived since the last keepalive tick
  polled_socket socket_;
  // Keeps this socket alive while its descriptor is open (no pending operation does): set when
  // it starts, dropped by shut().
  std::shared_ptr<ws_connection> self_;

  // Strand-only state.
  // Input held across reads: rare, so allocated only meanwhile (an idle socket holds none).
  struct pending_input {
    std::string partial;  // the start of a frame that straddles reads
    std::string message;  // the fragments of a message being assembled
    bool binary = false;
    bool in_message = false;
  };
  pending_input& input();
  std::unique_ptr<pending_input> pending_;
  message_rate rate_;

  // The send side, under out_mutex_ on any thread: out_->fill collects frames; flush() writes
  // out_->wire and swaps in the fill once the wire is done. Null while nothing is queued.
  std::unique_ptr<send_buffers> out_;
  send_buffers& out_locked();  // out_, taken from the thread's pool when null
  std::size_t queued_locked() const noexcept { return out_ ? out_->queued() : 0; }

  std::atomic<uint64_t> dropped_{0};
  ws_connection* listed_prev_ = nullptr;  // the registry's list
  ws_connection* listed_next_ = nullptr;

  uint16_t failed_code_ = 0;  // our close code for a violation by the peer (fail()); strand
  bool ping_sent_ = false;       // a keepalive ping is unanswered; strand
  bool close_deadline_ = false;  // timer_ is the close handshake's deadline; strand
  bool draining_ = false;        // our FIN is sent: reads are discarded until the peer's; strand
  bool listed_ = false;          // in the registry's list; under its lock
  // Under out_mutex_.
  bool flush_posted_ = false;
  bool failed_ = false;      // a write failed or the socket is shut: nothing more is written
  bool out_closed_ = false;  // the close frame is queued: nothing may follow it
  bool shut_after_flush_ = false;  // FIN once everything queued is written...
  bool finished_ = false;          // ...which happened
};

}  // namespace glasshub::host
