// ws_connection's send side: frames appended under the send lock from any thread, written by
// non-blocking write_some (corked by a read handler, else posted), then FIN and the drain.
#include "ws_connection.hpp"

#include "thread_buffers.hpp"
#include "write_cork.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace glasshub::host {

namespace {
// Droppable frames refused at a socket's byte cap, summed over every socket, for /metrics.
std::atomic<uint64_t> dropped_total{0};
}  // namespace

uint64_t ws_connection::dropped_frames_total() noexcept { return dropped_total.load(); }

// --- sending -----------------------------------------------------------------------------------

bool ws_connection::send(std::string_view frame, gh_frame_kind kind, gh_delivery delivery) {
  if (closing_.load()) return false;
  const std::size_t size = frame.size();
  const uint64_t queue_cap = core::live_settings.websocket.send_queue_max_bytes();
  bool post = false;
  bool size_overflow = false;
  {
    std::lock_guard lock(out_mutex_);
    if (out_closed_) return false;
    if (fill_.size() + (wire_.size() - wire_sent_) + size <= queue_cap) {
      if (fill_.empty()) take_pooled(fill_);
      ws::append_header(fill_, kind == GH_FRAME_BINARY ? ws::opcode::binary : ws::opcode::text,
                        size);
      fill_.append(frame);
      post = !flush_posted_ && !waiting_writable_;
      flush_posted_ |= post;
    } else if (delivery == GH_DELIVERY_DROPPABLE) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      dropped_total.fetch_add(1, std::memory_order_relaxed);
      return false;
    } else {
      size_overflow = true;
    }
  }
  if (size_overflow) {
    // Too slow for traffic it must not lose: 1013 tells the client to reconnect.
    core::log_line(spdlog::level::warn, "send_queue_overflow",
                   "websocket " + std::to_string(id_) + ": a reliable frame of " +
                       std::to_string(size) + " bytes does not fit the send queue (" +
                       std::to_string(queue_cap) + " bytes); closing with 1013");
    request_close(ws::close_code::try_again_later, "Send queue overflow", true);
    return false;
  }
  if (post && !write_cork::hold(shared_from_this()))
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
  return true;
}

void ws_connection::queue_control(ws::opcode op, std::string_view payload) {
  {
    std::lock_guard lock(out_mutex_);
    if (out_closed_) return;
    ws::append_frame(fill_, op, payload);
  }
  post_flush();
}

// Flushes at the end of the current batch of handlers, so frames queued by the same burst share
// one write.
void ws_connection::post_flush() {
  {
    std::lock_guard lock(out_mutex_);
    if (flush_posted_ || waiting_writable_ || fill_.empty()) return;
    flush_posted_ = true;
  }
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

// Writes straight from the calling thread (the socket is non-blocking): a write the kernel takes
// whole costs no async operation, and only a full socket buffer makes us wait for POLLOUT. The
// write happens under the lock, so the queue's size never counts bytes the kernel has already
// taken, and shut() cannot close the descriptor under it.
void ws_connection::flush() {
  std::unique_lock lock(out_mutex_);
  flush_posted_ = false;
  for (;;) {
    if (waiting_writable_ || failed_) return;
    if (wire_sent_ == wire_.size()) {
      wire_sent_ = 0;
      if (fill_.empty()) {
        give_back(wire_);  // an idle socket keeps no write buffer
        break;
      }
      wire_.clear();
      wire_.swap(fill_);
    }
    boost::system::error_code ec;
    const std::size_t n =
        socket_.write_some(net::buffer(wire_.data() + wire_sent_, wire_.size() - wire_sent_), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      waiting_writable_ = true;
      lock.unlock();
      return wait_writable();
    }
    if (ec) {  // a socket that failed a write is dead; the read wait reports the end
      failed_ = true;
      out_closed_ = true;
      fill_.clear();
      lock.unlock();
      closing_ = true;
      net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->shut(); });
      return;
    }
    wire_sent_ += n;
  }
  if (finish_owed_locked()) {
    lock.unlock();
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
  }
}

bool ws_connection::finish_owed_locked() {
  const bool idle =
      !waiting_writable_ && !flush_posted_ && fill_.empty() && wire_sent_ == wire_.size();
  if (!shut_after_flush_ || finished_ || !idle) return false;
  finished_ = true;
  return true;
}

// The socket's buffer is full: the strand waits for POLLOUT, then flushes again.
void ws_connection::wait_writable() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->socket_.async_wait(tcp::socket::wait_write, [self](const boost::system::error_code& ec) {
      {
        std::lock_guard relock(self->out_mutex_);
        self->waiting_writable_ = false;
        if (ec) self->failed_ = true;
      }
      if (ec) return self->shut();
      self->flush();
    });
  });
}

void ws_connection::shut_when_flushed() {
  bool now;
  {
    std::lock_guard lock(out_mutex_);
    shut_after_flush_ = true;
    now = finish_owed_locked();
  }
  if (now) finish();
}

// Our last frame is written: FIN, then read and discard until the peer's FIN. Closing with
// unread bytes would send a RST, and the peer could lose our close frame with it.
void ws_connection::finish() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  drain();
}

void ws_connection::drain() {
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& wait_ec) {
                       if (wait_ec) return self->shut();
                       char* buffer = thread_read_buffer();
                       for (;;) {
                         boost::system::error_code ec;
                         const std::size_t n =
                             self->socket_.read_some(net::buffer(buffer, read_chunk), ec);
                         if (ec == net::error::would_block || ec == net::error::try_again) break;
                         if (ec || n == 0) return self->shut();
                       }
                       self->drain();
                     });
}

void ws_connection::shut() {
  timer_.cancel();
  std::lock_guard lock(out_mutex_);  // a flush on another thread never writes to a closed descriptor
  failed_ = true;
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace glasshub::host
