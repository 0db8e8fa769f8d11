#include "ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <glasshub/core/log.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace glasshub::host {

namespace {

std::atomic<uint64_t> next_id{1};
std::atomic<std::size_t> open_sockets{0};
// Every open socket, so shutdown also reaches those the hub does not know (apps before init).
std::mutex registry_mutex;
std::unordered_map<uint64_t, std::weak_ptr<ws_connection>> registry;
std::optional<std::pair<uint16_t, std::string>> shutting_down;  // set by close_all

// A peer that neither reads our frames nor answers our close loses its TCP connection after this.
constexpr auto close_deadline = std::chrono::seconds(5);
// A read buffer grown by one big message is given back rather than kept for the socket's life.
constexpr std::size_t read_buffer_keep = 64 * 1024;
// A close frame's payload is at most 125 bytes, two of them the code.
constexpr std::size_t max_close_reason = 123;

}  // namespace

ws_connection::ws_connection(tcp::socket&& socket, std::unique_ptr<ws_handler> handler,
                             const core::Config::WebSocket& limits,
                             websocket::stream_base::timeout timeout)
    : ws_(std::move(socket)),
      handler_(std::move(handler)),
      close_deadline_(ws_.get_executor()),
      queue_cap_(limits.send_queue_max_bytes),
      id_(next_id.fetch_add(1, std::memory_order_relaxed)) {
  ws_.set_option(timeout);
  ws_.set_option(websocket::permessage_deflate{});  // server_enable=false, as the reference
  ws_.read_message_max(limits.max_message_bytes);   // a bigger message: Beast closes with 1009
  ws_.auto_fragment(false);                         // one frame per message, header written once
  // A peer that vanished without a FIN: unacknowledged data (our pings) fails the socket after
  // this long, instead of the kernel's ~15 minutes of retransmissions.
  // Every frame is one write of a whole message: Nagle would only hold a burst's last frame back
  // until the peer's delayed ACK (~40 ms).
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
  if (limits.tcp_user_timeout_ms > 0) {
    unsigned int ms = limits.tcp_user_timeout_ms;
    ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP,
                 TCP_USER_TIMEOUT, &ms, sizeof ms);
  }
}

std::size_t ws_connection::open_count() noexcept { return open_sockets.load(); }

void ws_connection::close_all(uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<ws_connection>> open;
  {
    std::lock_guard lock(registry_mutex);
    shutting_down.emplace(code, reason);  // sockets accepted from now on are closed at once
    for (auto& [id, weak] : registry)
      if (auto conn = weak.lock()) open.push_back(std::move(conn));
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
    close(websocket::close_code::internal_error, "Internal server error");
  }
}

void ws_connection::run(const http_request& req) {
  ws_.async_accept(req, beast::bind_front_handler(&ws_connection::on_accept, shared_from_this()));
}

void ws_connection::on_accept(beast::error_code ec) {
  if (ec) {
    closing_ = true;
    core::log_line(spdlog::level::debug, "upgrade_failed",
                   "websocket " + std::to_string(id_) + ": " + ec.message());
    return;
  }
  open_ = true;
  ++open_sockets;
  std::optional<std::pair<uint16_t, std::string>> closing_all;
  {
    std::lock_guard lock(registry_mutex);
    registry.emplace(id_, weak_from_this());
    closing_all = shutting_down;
  }
  if (closing_all) {  // accepted while shutting down: no session, just the close handshake
    close(closing_all->first, closing_all->second);
    return do_read();
  }
  guarded([this] { handler_->on_open(shared_from_this()); });
  do_read();
}

void ws_connection::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_connection::on_read, shared_from_this()));
}

void ws_connection::on_read(beast::error_code ec, std::size_t) {
  // Beast fails the read itself on invalid UTF-8 in a text message (close 1007; text frames are
  // always validated) and on a message over read_message_max (close 1009).
  if (ec) return on_done(ec);
  const bool binary = ws_.got_binary();
  std::string bytes = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > read_buffer_keep) buffer_.shrink_to_fit();
  guarded([&] { handler_->on_frame(shared_from_this(), std::move(bytes), binary); });
  do_read();
}

void ws_connection::on_done(beast::error_code ec) {
  open_ = false;
  closing_ = true;
  close_deadline_.cancel();
  --open_sockets;
  {
    std::lock_guard lock(registry_mutex);
    registry.erase(id_);
  }
  uint16_t code = ws_.reason().code;  // the peer's close frame, when one arrived
  if (code == websocket::close_code::none)
    code = ec == websocket::error::closed ? websocket::close_code::no_status
                                          : websocket::close_code::abnormal;
  if (core::log_enabled(spdlog::level::debug))
    core::log_line(spdlog::level::debug, "websocket_closed",
                   "websocket " + std::to_string(id_) + ": closed with " + std::to_string(code) +
                       " (" + ec.message() + ")");
  guarded([&] { handler_->on_closed(shared_from_this(), code); });
}

bool ws_connection::send(core::Frame frame, gh_frame_kind kind, gh_delivery delivery) {
  if (!frame || closing_.load()) return false;
  const uint64_t size = frame->size();
  if (queued_bytes_.fetch_add(size) + size > queue_cap_) {
    queued_bytes_.fetch_sub(size);
    if (delivery == GH_DELIVERY_DROPPABLE) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    // Too slow for traffic it must not lose: 1013 tells the client to reconnect.
    request_close(websocket::close_code::try_again_later, "Send queue overflow", true);
    return false;
  }
  net::post(ws_.get_executor(),
            [self = shared_from_this(), frame = std::move(frame), kind]() mutable {
              self->enqueue(std::move(frame), kind);
            });
  return true;
}

void ws_connection::close(uint16_t code, std::string reason) {
  request_close(code, std::move(reason), false);
}

void ws_connection::request_close(uint16_t code, std::string reason, bool discard_queue) {
  if (closing_.exchange(true)) return;
  std::size_t size = std::min(reason.size(), max_close_reason);
  while (size < reason.size() && (static_cast<unsigned char>(reason[size]) & 0xC0) == 0x80)
    --size;  // never cut a UTF-8 sequence: the peer would fail the close with 1007
  reason.resize(size);
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason),
                                 discard_queue] {
    self->do_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                   discard_queue);
  });
}

void ws_connection::do_close(websocket::close_reason reason, bool discard_queue) {
  if (!open_) return;
  while (discard_queue && queue_.size() > 1) {  // the front is being written: it must stay
    release(queue_.back());
    queue_.pop_back();
  }
  pending_close_ = std::move(reason);
  close_deadline_.expires_after(close_deadline);
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) beast::get_lowest_layer(self->ws_).close();
  });
  if (queue_.empty()) send_close();
}

void ws_connection::enqueue(core::Frame frame, gh_frame_kind kind) {
  outgoing out{std::move(frame), kind};
  if (!open_ || pending_close_) return release(out);
  queue_.push_back(std::move(out));
  if (queue_.size() == 1) do_write();
}

// Several frames waiting (a burst, or a slow reader): cork the socket, so each frame's write only
// copies into the socket and the kernel sends them as full segments when the queue drains (one
// loopback transmit and one wake-up of the reader instead of one per frame). Beast writes one
// message per async_write, so this is where batching can happen without bypassing its framing.
void ws_connection::set_cork(bool on) noexcept {
  const int value = on ? 1 : 0;
  ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK,
               &value, sizeof value);
  corked_ = on;
}

void ws_connection::do_write() {
  if (!corked_ && queue_.size() > 1) set_cork(true);
  const outgoing& out = queue_.front();
  ws_.text(out.kind == GH_FRAME_TEXT);
  ws_.async_write(net::buffer(*out.frame),
                  beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
}

void ws_connection::on_write(beast::error_code ec, std::size_t) {
  release(queue_.front());
  queue_.pop_front();
  if (ec || !open_) {
    for (const outgoing& out : queue_) release(out);
    queue_.clear();
    // A socket that failed a write is dead; make sure the read loop hears it too.
    if (ec && ec != net::error::operation_aborted) beast::get_lowest_layer(ws_).close();
    return;
  }
  if (!queue_.empty()) return do_write();
  if (corked_) set_cork(false);  // drained: push what the kernel holds
  if (pending_close_) send_close();
}

void ws_connection::send_close() {
  // The read loop sees the peer's answer (or the timeout) and reports the end.
  ws_.async_close(*pending_close_, [self = shared_from_this()](beast::error_code) {});
}

void ws_connection::release(const outgoing& out) noexcept {
  queued_bytes_.fetch_sub(out.frame->size());
}

}  // namespace glasshub::host
