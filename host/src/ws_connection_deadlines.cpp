// ws_connection's deadlines on the coarse wheel: an app's keepalive ping after a silent
// interval, and the bound on our close handshake.
#include "ws_connection.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>

#include <boost/asio/post.hpp>

namespace glasshub::host {

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
    net::post(conn->strand_, [conn, generation] {
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
