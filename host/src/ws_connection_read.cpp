// ws_connection's read side: readiness, frames parsed from the thread's read buffer, fragments
// assembled, violations answered with the RFC's close code.
#include "ws_connection.hpp"

#include "thread_buffers.hpp"
#include "write_cork.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <vector>

namespace glasshub::host {

namespace {
// A frame straddling reads is kept in pending_input::partial; capacity above this is given back
// once it is done.
constexpr std::size_t partial_keep = 4096;

// What one poller batch found, per socket, until run_ready hands it to the sockets' strands.
struct ready_item {
  std::shared_ptr<ws_connection> conn;
  bool readable;
  bool writable;
};
std::vector<ready_item>& ready_work() {
  thread_local std::vector<ready_item> work;
  return work;
}
}  // namespace

// --- reading -----------------------------------------------------------------------------------

// On the poller's thread: a readable edge notes one read for the strand (unless one is noted and
// not started yet); a writable edge matters only while the send side waits for it. run_ready
// hands the batch over once the poller is unlocked.
void ws_connection::poll_ready(void* self, uint32_t events) {
  auto* c = static_cast<ws_connection*>(self);
  if (events == 0) {  // the io_context is shutting down: no handler runs again
    c->self_.reset();
    return;
  }
  const bool writable = polled_socket::writable(events) && c->waiting_writable_.load();
  const uint32_t read_events = polled_socket::read_events(events);
  const bool readable = read_events && c->read_events_.fetch_or(read_events) == 0;
  if (!readable && !writable) return;
  auto conn = c->weak_from_this().lock();
  if (!conn) return;  // being destroyed
  ready_work().push_back({std::move(conn), readable, writable});
}

void ws_connection::run_ready(bool may_run_inline) {
  // Taken whole first: the work below may run a read handler, which never polls but may
  // destroy sockets, and their strands' queues may run other work inline.
  std::vector<ready_item>& noted = ready_work();
  std::vector<ready_item> batch;
  batch.swap(noted);
  for (ready_item& item : batch) {
    const socket_strand strand = item.conn->strand_;
    auto work = [conn = std::move(item.conn), readable = item.readable,
                 writable = item.writable] {
      if (writable) conn->on_writable();
      if (readable) conn->on_readable();
    };
    if (may_run_inline) net::dispatch(strand, std::move(work));
    else net::post(strand, std::move(work));
  }
  batch.clear();
  if (noted.empty()) noted.swap(batch);  // keep the capacity for the next batch
}

void ws_connection::on_readable() {
  // From here on, a new edge posts another read. An edge folded into this read that said the
  // peer is gone (FIN, reset) raises no new one: read on to the end then.
  const bool to_end = polled_socket::peer_gone(read_events_.exchange(0));
  if (draining_) return drain();
  if (done_) return;
  const write_cork cork;  // what this read causes is written when it is handled
  char* buffer = thread_read_buffer();
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(buffer, read_chunk, ec);
    if (ec == net::error::would_block) return;
    if (ec) {  // EOF or reset without a close frame
      on_done(ws::close_code::abnormal);
      return shut();
    }
    received_ = true;
    if (!consume(buffer, n)) return;
    // Drained: data arriving after this read raises a new edge (the set is edge-triggered).
    if (n < read_chunk && !to_end) return;
  }
}

// Parses every whole frame in [data, data + size); keeps the rest for the next read. False when
// the socket is done with reading (a close or a protocol violation).
bool ws_connection::consume(char* data, std::size_t size) {
  const bool from_partial = pending_ && !pending_->partial.empty();
  if (from_partial) {
    pending_->partial.append(data, size);
    data = pending_->partial.data();
    size = pending_->partial.size();
  }
  std::size_t offset = 0;
  std::size_t needed = 0;
  while (offset < size) {
    const ws::parse_result r = ws::parse(data + offset, size - offset,
                                         core::live_settings.websocket.max_message_bytes());
    if (r.status == ws::parse_status::incomplete) {
      needed = r.needed;
      break;
    }
    if (r.status == ws::parse_status::error) {
      fail(r.error_code, r.error_code == ws::close_code::too_big ? "Message too big"
                                                                  : "Protocol error");
      return false;
    }
    offset += r.consumed;
    if (!on_frame(r.out)) return false;
  }
  if (from_partial) {
    pending_->partial.erase(0, offset);
  } else if (offset < size) {
    input().partial.assign(data + offset, size - offset);
  }
  if (!pending_) return true;
  std::string& partial = pending_->partial;
  if (partial.empty() && !pending_->in_message) {
    pending_.reset();  // nothing held: the usual case between reads
  } else if (partial.empty()) {
    if (partial.capacity() > partial_keep) std::string().swap(partial);
  } else if (needed > partial.capacity()) {
    partial.reserve(needed);  // a big frame grows once, not once per read
  }
  return true;
}

ws_connection::pending_input& ws_connection::input() {
  if (!pending_) pending_ = std::make_unique<pending_input>();
  return *pending_;
}

bool ws_connection::on_frame(const ws::frame& f) {
  const std::string_view payload(f.payload, f.size);
  switch (f.op) {
    case ws::opcode::ping:
      if (!close_sent_) queue_control(ws::opcode::pong, payload);
      return true;
    case ws::opcode::pong:
      ping_sent_ = false;
      return true;
    case ws::opcode::close: {
      const ws::close_frame c = ws::parse_close(payload);
      if (c.violation) return fail(c.violation, c.why), false;
      end_with_close(c.code, {}, c.code);  // the peer's close: echo its code (a no-op after ours)
      return false;
    }
    case ws::opcode::text:
    case ws::opcode::binary:
      if (pending_ && pending_->in_message)
        return fail(ws::close_code::protocol_error, "Protocol error"), false;
      if (close_sent_) return true;  // after our close only the peer's close matters
      if (!f.fin) {
        pending_input& in = input();
        in.in_message = true;
        in.binary = f.op == ws::opcode::binary;
        in.message.assign(payload);
        return true;
      }
      if (f.op == ws::opcode::text && !ws::valid_utf8(payload))
        return fail(ws::close_code::bad_payload, "Invalid UTF-8"), false;
      if (within_rate()) {
        header_room& room = thread_header_room();
        const header_room outer = room;
        room = {f.payload, f.header_size};
        deliver(payload, f.op == ws::opcode::binary);
        room = outer;
      }
      return !done_;
    case ws::opcode::cont: {
      if (!pending_ || !pending_->in_message)
        return fail(ws::close_code::protocol_error, "Protocol error"), false;
      pending_input& in = *pending_;
      if (in.message.size() + f.size > core::live_settings.websocket.max_message_bytes())
        return fail(ws::close_code::too_big, "Message too big"), false;
      in.message.append(payload);
      if (!f.fin) return true;
      in.in_message = false;
      if (!in.binary && !ws::valid_utf8(in.message))
        return fail(ws::close_code::bad_payload, "Invalid UTF-8"), false;
      if (!close_sent_ && within_rate()) deliver(in.message, in.binary);
      in.message = std::string();
      return !done_;
    }
  }
  return true;
}

bool ws_connection::within_rate() {
  const auto verdict = rate_.take(message_rate::clock::now());
  if (verdict == message_rate::verdict::pass) return true;
  guarded([&] { handler_->on_rate_limited(shared_from_this(), verdict); });
  return false;
}

void ws_connection::deliver(std::string_view message, bool binary) {
  guarded([&] { handler_->on_frame(shared_from_this(), message, binary); });
}

// A violation by the peer: our close frame with the code the RFC asks for, then the TCP close.
// The session hears that code (counted by it, and treated like any drop).
void ws_connection::fail(uint16_t code, std::string_view reason) {
  if (core::log_enabled(spdlog::level::debug))
    core::log_line(spdlog::level::debug, "websocket_protocol_error",
                   "websocket " + std::to_string(id_) + ": " + std::string(reason) + " (" +
                       std::to_string(code) + ")");
  failed_code_ = code;
  end_with_close(code, reason, code);
}

// Queues our close frame (unless one is already queued), reports the end to the endpoint with
// `reported`, and ends the TCP connection once the frame is written (or at the deadline).
void ws_connection::end_with_close(uint16_t code, std::string_view reason, uint16_t reported) {
  {
    std::lock_guard lock(out_mutex_);
    if (!out_closed_) ws::append_close(out_locked().fill, code, reason);
    out_closed_ = true;
  }
  close_sent_ = true;
  closing_ = true;
  post_flush();
  on_done(reported);
  shut_when_flushed();
  arm_close_deadline();
}

}  // namespace glasshub::host
