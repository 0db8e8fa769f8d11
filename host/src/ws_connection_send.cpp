// ws_connection's send side: frames appended under the send lock from any thread, written by
// non-blocking write_some (corked by a read handler, else posted), then FIN and the drain.
#include "ws_connection.hpp"

#include "thread_buffers.hpp"
#include "write_cork.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <cstring>

namespace glasshub::host {

namespace {
// Droppable frames refused at a socket's byte cap, summed over every socket, for /metrics.
std::atomic<uint64_t> dropped_total{0};
}  // namespace

uint64_t ws_connection::dropped_frames_total() noexcept { return dropped_total.load(); }

send_buffers& ws_connection::out_locked() {
  if (!out_) out_ = take_send_buffers();
  return *out_;
}

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
    if (queued_locked() + size <= queue_cap) {
      const ws::opcode op = kind == GH_FRAME_BINARY ? ws::opcode::binary : ws::opcode::text;
      if (size >= direct_write_min && !out_ && !waiting_writable_ && !failed_) {
        // Nothing queued: a large frame goes to the kernel from the caller's bytes (an audio
        // fan-out copied 3,200 bytes per app into our buffers first); only a rest is queued.
        // A relay of the message being handled writes its header over the received one and
        // sends one contiguous buffer.
        char h[ws::max_header];
        const std::size_t h_len = ws::write_header(h, op, size);
        boost::system::error_code ec;
        const header_room& room = thread_header_room();
        std::size_t n;
        if (frame.data() == room.payload && h_len <= room.size) {
          char* wire = room.payload - h_len;
          std::memcpy(wire, h, h_len);
          n = socket_.write_some(wire, h_len + size, ec);
        } else {
          n = socket_.write_some({h, h_len}, frame, ec);
        }
        if (!ec && n == h_len + size) return true;
        std::string& fill = out_locked().fill;
        if (n < h_len) fill.append(h + n, h_len - n);
        fill.append(frame.substr(n > h_len ? n - h_len : 0));  // a write error shows in flush
      } else {
        std::string& fill = out_locked().fill;
        ws::append_header(fill, op, size);
        fill.append(frame);
      }
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
    net::post(strand_, [self = shared_from_this()] { self->flush(); });
  return true;
}

void ws_connection::queue_control(ws::opcode op, std::string_view payload) {
  {
    std::lock_guard lock(out_mutex_);
    if (out_closed_) return;
    ws::append_frame(out_locked().fill, op, payload);
  }
  post_flush();
}

// Flushes at the end of the current batch of handlers, so frames queued by the same burst share
// one write.
void ws_connection::post_flush() {
  {
    std::lock_guard lock(out_mutex_);
    if (flush_posted_ || waiting_writable_ || !out_ || out_->fill.empty()) return;
    flush_posted_ = true;
  }
  net::post(strand_, [self = shared_from_this()] { self->flush(); });
}

// Writes straight from the calling thread (the socket is non-blocking): a write the kernel takes
// whole costs no async operation, and only a full socket buffer makes us wait for a writable
// edge. The write happens under the lock, so the queue's size never counts bytes the kernel has
// already taken, and shut() cannot close the descriptor under it.
void ws_connection::flush() {
  std::unique_lock lock(out_mutex_);
  flush_posted_ = false;
  bool announced = false;  // this flush set waiting_writable_ and is trying once more
  for (;;) {
    if (failed_ || (waiting_writable_ && !announced)) return;
    if (!out_) break;
    send_buffers& b = *out_;
    if (b.wire_sent == b.wire.size()) {
      if (b.fill.empty()) {
        give_back(out_);  // an idle socket keeps no send buffers
        break;
      }
      b.wire_sent = 0;
      b.wire.clear();
      b.wire.swap(b.fill);
    }
    boost::system::error_code ec;
    const std::size_t n =
        socket_.write_some(b.wire.data() + b.wire_sent, b.wire.size() - b.wire_sent, ec);
    if (ec == net::error::would_block) {
      if (announced) return;  // still full: the next writable edge flushes (on_writable)
      // Said before trying again, so an edge between the two writes is not missed.
      waiting_writable_ = true;
      announced = true;
      continue;
    }
    if (announced) {  // the kernel took bytes after all
      waiting_writable_ = false;
      announced = false;
    }
    if (ec) {  // a socket that failed a write is dead
      failed_ = true;
      out_closed_ = true;
      give_back(out_);
      lock.unlock();
      closing_ = true;
      net::dispatch(strand_, [self = shared_from_this()] { self->shut(); });
      return;
    }
    b.wire_sent += n;
  }
  if (finish_owed_locked()) {
    lock.unlock();
    net::dispatch(strand_, [self = shared_from_this()] { self->finish(); });
  }
}

bool ws_connection::finish_owed_locked() {
  const bool idle = !waiting_writable_ && !flush_posted_ && queued_locked() == 0;
  if (!shut_after_flush_ || finished_ || !idle) return false;
  finished_ = true;
  return true;
}

// A writable edge while the send side waited for one.
void ws_connection::on_writable() {
  {
    std::lock_guard lock(out_mutex_);
    waiting_writable_ = false;
  }
  flush();
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
  socket_.shutdown_send();
  drain();
}

// Until the peer's FIN (or an error); each readable edge comes back here (on_readable).
void ws_connection::drain() {
  draining_ = true;
  char* buffer = thread_read_buffer();
  for (;;) {
    boost::system::error_code ec;
    socket_.read_some(buffer, read_chunk, ec);
    if (ec == net::error::would_block) return;
    if (ec) return shut();  // EOF included
  }
}

void ws_connection::shut() {
  timer_.cancel();
  {
    std::lock_guard lock(out_mutex_);  // a flush on another thread never writes to a closed
    failed_ = true;                    // descriptor
    socket_.close();
    give_back(out_);  // never written now
  }
  self_.reset();  // whoever called holds this socket: every handler runs with its own reference
}

}  // namespace glasshub::host
