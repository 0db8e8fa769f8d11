// ws_connection's lifecycle: the socket's options, the handshake, opening and closing. The read
// side, the send side, the deadlines and the registry have their own files.
#include "ws_connection.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>


namespace glasshub::host {

namespace {

std::atomic<uint64_t> next_id{1};

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

ws_connection::ws_connection(tcp::socket&& socket, const socket_strand& strand,
                             std::unique_ptr<ws_handler> handler, bool keepalive,
                             admission::ticket seat)
    : seat_(std::move(seat)),
      strand_(strand),
      handler_(std::move(handler)),
      timer_(strand_, this, &ws_connection::timer_due),
      id_(next_id.fetch_add(1, std::memory_order_relaxed)),
      keepalive_(keepalive),
      socket_(strand_.get_inner_executor().context(), socket.release(), this,
              &ws_connection::poll_ready) {
  // Every flush is one write of whole frames: Nagle would only hold a batch's tail back until
  // the peer's delayed ACK (~40 ms).
  const int on = 1;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  // A peer that vanished without a FIN: unacknowledged data (our pings) fails the socket after
  // this long, instead of the kernel's ~15 minutes of retransmissions.
  if (unsigned int ms = core::live_settings.websocket.tcp_user_timeout_ms(); ms > 0) {
    ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  }
}

ws_connection::~ws_connection() {
  delist();  // normally done in on_done; not when torn down unclosed
}

std::string_view ws_connection::refused_reason() const noexcept {
  switch (failed_code_) {
    case ws::close_code::protocol_error: return "protocol_violation";
    case ws::close_code::bad_payload: return "invalid_utf8";
    case ws::close_code::too_big: return "message_too_big";
    default: return {};
  }
}

// An endpoint that throws loses its socket (1011, as the reference does), never the process.
void ws_connection::handler_failed(const std::exception& e) {
  core::log_line(spdlog::level::err, "websocket_error",
                 "websocket " + std::to_string(id_) + ": " + e.what());
  close(ws::close_code::internal_error, "Internal server error");
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
  net::dispatch(strand_,
                [self = shared_from_this(), response = std::move(response), accepted]() mutable {
                  self->run(std::move(response), accepted);
                });
}

void ws_connection::run(std::string response, bool accepted) {
  self_ = shared_from_this();
  if (boost::system::error_code ec; !socket_.watch(ec, &ws_connection::run_ready)) {  // e.g. fs.epoll.max_user_watches
    core::log_line(spdlog::level::warn, "websocket_error",
                   "websocket " + std::to_string(id_) + ": cannot watch the socket: " +
                       ec.message());
    done_ = true;
    closing_ = true;
    return shut();
  }
  if (!accepted) {  // refused: the reply, then the TCP close; no handler call
    done_ = true;
    closing_ = true;
    {
      std::lock_guard lock(out_mutex_);
      out_locked().fill = std::move(response);
      out_closed_ = true;
      shut_after_flush_ = true;
    }
    arm_close_deadline();
    return flush();
  }
  {
    std::lock_guard lock(out_mutex_);
    out_locked().fill = std::move(response);  // frames on_open queues follow it in one write
  }
  open();
  post_flush();  // reading starts with the first readiness edge, which watch() reported
}

void ws_connection::open() {
  opened_ = true;
  const auto closing_all = enlist();
  if (closing_all) {  // accepted while shutting down: no session, just the close handshake
    close(closing_all->first, closing_all->second);
    return;
  }
  guarded([this] { handler_->on_open(shared_from_this()); });
  arm_keepalive();
}

void ws_connection::on_done(uint16_t code) {
  if (done_) return;
  done_ = true;
  closing_ = true;
  if (!opened_) return;
  delist();
  if (core::log_enabled(spdlog::level::debug))
    core::log_line(spdlog::level::debug, "websocket_closed",
                   "websocket " + std::to_string(id_) + ": closed with " + std::to_string(code));
  guarded([&] { handler_->on_closed(shared_from_this(), code); });
}

// --- closing -----------------------------------------------------------------------------------

void ws_connection::close(uint16_t code, std::string reason) {
  request_close(code, std::move(reason), false);
}

void ws_connection::request_close(uint16_t code, std::string reason, bool discard_queue) {
  if (closing_.exchange(true)) return;
  net::post(strand_,
            [self = shared_from_this(), code, reason = std::move(reason), discard_queue] {
              self->do_close(code, reason, discard_queue);
            });
}

void ws_connection::do_close(uint16_t code, const std::string& reason, bool discard_queue) {
  if (done_ || close_sent_) return;
  {
    std::lock_guard lock(out_mutex_);
    if (discard_queue && out_) out_->fill.clear();  // the wire stays: it may be half written
    ws::append_close(out_locked().fill, code, reason);
    out_closed_ = true;
  }
  close_sent_ = true;
  post_flush();
  arm_close_deadline();  // the read loop waits for the peer's close until then
}

}  // namespace glasshub::host
