#include "ws_connection.hpp"

#include "thread_buffers.hpp"
#include "write_cork.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

namespace glasshub::host {

namespace {

std::atomic<uint64_t> next_id{1};
std::atomic<std::size_t> open_sockets{0};
// Every open socket, so shutdown also reaches those the hub does not know (apps before init).
std::mutex registry_mutex;
ws_connection* registry_head = nullptr;
std::optional<std::pair<uint16_t, std::string>> shutting_down;  // set by close_all

// Droppable frames refused at a socket's byte cap, summed over every socket, for /metrics.
std::atomic<uint64_t> dropped_total{0};
// A frame straddling reads is kept in pending_input::partial; capacity above this is given back
// once it is done.
constexpr std::size_t partial_keep = 4096;
std::string refusal(std::string_view status, std::string_view extra_headers,
                    std::string_view body) {
  std::string out = "HTTP/1.1 ";
  out.append(status).append("\r\nContent-Type: text/plain\r\nConnection: close\r\n");
  out.append(extra_headers);
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

}  // namespace

ws_connection::ws_connection(strand_socket&& socket, std::unique_ptr<ws_handler> handler,
                             bool keepalive, admission::ticket seat)
    : seat_(std::move(seat)),
      socket_(std::move(socket)),
      handler_(std::move(handler)),
      timer_(socket_.get_executor(), this, &ws_connection::timer_due),
      id_(next_id.fetch_add(1, std::memory_order_relaxed)),
      keepalive_(keepalive) {
  boost::system::error_code ignored;
  // Every flush is one write of whole frames: Nagle would only hold a batch's tail back until
  // the peer's delayed ACK (~40 ms).
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // reads drain the socket until EAGAIN
  // A peer that vanished without a FIN: unacknowledged data (our pings) fails the socket after
  // this long, instead of the kernel's ~15 minutes of retransmissions.
  if (unsigned int ms = core::live_settings.websocket.tcp_user_timeout_ms(); ms > 0) {
    ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  }
}

ws_connection::~ws_connection() {
  std::lock_guard lock(registry_mutex);  // normally done in on_done; not when torn down unclosed
  delist();
}

void ws_connection::enlist() {
  listed_ = true;
  listed_prev_ = nullptr;
  listed_next_ = registry_head;
  if (registry_head) registry_head->listed_prev_ = this;
  registry_head = this;
}

void ws_connection::delist() {
  if (!listed_) return;
  listed_ = false;
  if (listed_prev_) listed_prev_->listed_next_ = listed_next_;
  else registry_head = listed_next_;
  if (listed_next_) listed_next_->listed_prev_ = listed_prev_;
  listed_prev_ = listed_next_ = nullptr;
}

std::size_t ws_connection::open_count() noexcept { return open_sockets.load(); }

std::string_view ws_connection::refused_reason() const noexcept {
  switch (failed_code_) {
    case ws::close_code::protocol_error: return "protocol_violation";
    case ws::close_code::bad_payload: return "invalid_utf8";
    case ws::close_code::too_big: return "message_too_big";
    default: return {};
  }
}

uint64_t ws_connection::queued_bytes_total() {
  uint64_t total = 0;
  std::lock_guard lock(registry_mutex);  // a listed socket is whole: it delists before dying
  for (ws_connection* c = registry_head; c; c = c->listed_next_) {
    std::lock_guard out(c->out_mutex_);
    total += c->fill_.size() + (c->wire_.size() - c->wire_sent_);
  }
  return total;
}

uint64_t ws_connection::dropped_frames_total() noexcept { return dropped_total.load(); }

void ws_connection::close_all(uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<ws_connection>> open;
  {
    std::lock_guard lock(registry_mutex);
    shutting_down.emplace(code, reason);  // sockets accepted from now on are closed at once
    for (ws_connection* c = registry_head; c; c = c->listed_next_)
      if (auto conn = c->weak_from_this().lock()) open.push_back(std::move(conn));
  }
  for (auto& conn : open) conn->close(code, reason);
}

// An endpoint that throws loses its socket (1011, as the reference does), never the process.
template <class Call>
void ws_connection::guarded(Call&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    core::log_line(spdlog::level::err, "websocket_error",
                   "websocket " + std::to_string(id_) + ": " + e.what());
    close(ws::close_code::internal_error, "Internal server error");
  }
}

// --- handshake ---------------------------------------------------------------------------------

void ws_connection::start(const http_request& req) {
  // http_session checked that this is a GET upgrade to "websocket" (beast::websocket::is_upgrade).
  const auto version = req[http::field::sec_websocket_version];
  const auto key = req[http::field::sec_websocket_key];
  std::string response;
  bool accepted = false;
  if (version != "13") {
    response = refusal("426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n",
                       "Unsupported WebSocket version");
  } else if (key.empty() || key.size() > 64) {
    response = refusal("400 Bad Request", {}, "Missing or invalid Sec-WebSocket-Key");
  } else {
    // No extension and no subprotocol is offered back: permessage-deflate stays off, as the
    // reference server has it.
    response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    response.append(ws::accept_key(key)).append("\r\n\r\n");
    accepted = true;
  }
  net::dispatch(socket_.get_executor(),
                [self = shared_from_this(), response = std::move(response), accepted]() mutable {
                  self->run(std::move(response), accepted);
                });
}

void ws_connection::run(std::string response, bool accepted) {
  if (!accepted) {  // refused: the reply, then the TCP close; no handler call
    done_ = true;
    closing_ = true;
    {
      std::lock_guard lock(out_mutex_);
      fill_ = std::move(response);
      out_closed_ = true;
      shut_after_flush_ = true;
    }
    arm_close_deadline();
    return flush();
  }
  {
    std::lock_guard lock(out_mutex_);
    fill_ = std::move(response);  // frames queued by on_open follow the 101 in the same write
  }
  open();
  post_flush();
  if (!done_) do_read();
}

void ws_connection::open() {
  opened_ = true;
  ++open_sockets;
  std::optional<std::pair<uint16_t, std::string>> closing_all;
  {
    std::lock_guard lock(registry_mutex);
    enlist();
    closing_all = shutting_down;
  }
  if (closing_all) {  // accepted while shutting down: no session, just the close handshake
    close(closing_all->first, closing_all->second);
    return;
  }
  guarded([this] { handler_->on_open(shared_from_this()); });
  arm_keepalive();
}

// --- reading -----------------------------------------------------------------------------------

void ws_connection::do_read() {
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->on_readable(ec);
                     });
}

void ws_connection::on_readable(const boost::system::error_code& wait_ec) {
  if (done_) return;
  const write_cork cork;  // what this read causes is written when it is handled
  if (wait_ec) {
    on_done(ws::close_code::abnormal);
    return shut();
  }
  char* buffer = thread_read_buffer();
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(net::buffer(buffer, read_chunk), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) break;
    if (ec) {  // EOF or reset without a close frame
      on_done(ws::close_code::abnormal);
      return shut();
    }
    received_ = true;
    if (!consume(buffer, n)) return;
    if (n < read_chunk) break;  // drained; the next wait reports anything newer
  }
  do_read();
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
      if (within_rate()) deliver(payload, f.op == ws::opcode::binary);
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
    if (!out_closed_) ws::append_close(fill_, code, reason);
    out_closed_ = true;
  }
  close_sent_ = true;
  closing_ = true;
  post_flush();
  on_done(reported);
  shut_when_flushed();
  arm_close_deadline();
}

void ws_connection::on_done(uint16_t code) {
  if (done_) return;
  done_ = true;
  closing_ = true;
  if (!opened_) return;
  --open_sockets;
  {
    std::lock_guard lock(registry_mutex);
    delist();
  }
  if (core::log_enabled(spdlog::level::debug))
    core::log_line(spdlog::level::debug, "websocket_closed",
                   "websocket " + std::to_string(id_) + ": closed with " + std::to_string(code));
  guarded([&] { handler_->on_closed(shared_from_this(), code); });
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

// --- closing -----------------------------------------------------------------------------------

void ws_connection::close(uint16_t code, std::string reason) {
  request_close(code, std::move(reason), false);
}

void ws_connection::request_close(uint16_t code, std::string reason, bool discard_queue) {
  if (closing_.exchange(true)) return;
  net::post(socket_.get_executor(),
            [self = shared_from_this(), code, reason = std::move(reason), discard_queue] {
              self->do_close(code, reason, discard_queue);
            });
}

void ws_connection::do_close(uint16_t code, const std::string& reason, bool discard_queue) {
  if (done_ || close_sent_) return;
  {
    std::lock_guard lock(out_mutex_);
    if (discard_queue) fill_.clear();  // what is in flight stays: it may be half written
    ws::append_close(fill_, code, reason);
    out_closed_ = true;
  }
  close_sent_ = true;
  post_flush();
  arm_close_deadline();  // the read loop waits for the peer's close until then
}

// --- timers ------------------------------------------------------------------------------------

void ws_connection::arm_keepalive() {
  if (!keepalive_ || close_sent_ || done_) return;
  timer_.arm(std::chrono::milliseconds(core::live_settings.websocket.app_ping_interval_ms()));
}

void ws_connection::arm_close_deadline() {
  close_deadline_ = true;
  // After our close frame, a peer that neither reads nor answers loses its TCP connection.
  timer_.arm(std::chrono::milliseconds(
      core::live_settings.websocket.close_timeout_ms()));  // replaces a keepalive tick
}

// On the wheel's thread: only a live connection hears it, on its strand.
void ws_connection::timer_due(void* self, uint32_t generation) {
  if (auto conn = static_cast<ws_connection*>(self)->weak_from_this().lock())
    net::post(conn->socket_.get_executor(), [conn, generation] {
      if (conn->timer_.current(generation)) conn->on_timer();
    });
}

void ws_connection::on_timer() {
  if (close_deadline_) return shut();
  if (close_sent_ || done_) return;
  if (received_) {
    received_ = false;
    ping_sent_ = false;
  } else if (!ping_sent_) {
    queue_control(ws::opcode::ping, {});
    ping_sent_ = true;
  } else {  // a ping and a whole interval without a byte: gone
    core::log_line(spdlog::level::info, "websocket_timeout",
                   "websocket " + std::to_string(id_) + ": no answer to ping");
    return shut();
  }
  arm_keepalive();
}

}  // namespace glasshub::host
