// `/glasses-ws`: the phone's socket. Lifecycle only: auth, heartbeat, hand frames to the hub.
#pragma once

#include "admission.hpp"
#include "coarse_clock.hpp"
#include "coarse_timer.hpp"
#include "http_message.hpp"
#include "socket_strand.hpp"
#include "ws_handler.hpp"

#include <glasshub/core/hub.hpp>


#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace glasshub::host {

class glasses_endpoint final : public ws_handler {
 public:
  // Checks the phone's token, then the limits; on success `stream`'s socket becomes a phone
  // connection, otherwise the 401 (or 429/503) to answer instead is returned.
  static std::optional<http_response> upgrade(core::Hub& hub, admission& limits,
                                              beast::tcp_stream& stream, const http_request& req);

  glasses_endpoint(core::Hub& hub, std::string user_id, const socket_strand& strand);

  void on_open(const core::ConnectionPtr& conn) override;
  void on_frame(const core::ConnectionPtr& conn, std::string_view bytes, bool binary) override;
  void on_rate_limited(const core::ConnectionPtr& conn, message_rate::verdict verdict) override;
  void on_closed(const core::ConnectionPtr& conn, uint16_t close_code) override;

 private:
  void schedule_tick();
  static void heartbeat_due(void* self, uint32_t generation);  // coarse_timer::fire_fn
  void on_tick(const core::ConnectionPtr& conn);

  using clock = coarse_clock;  // stamped per frame; liveness is judged in seconds
  core::Hub& hub_;
  std::unique_ptr<const std::string> user_id_;  // until on_open hands it to the session
  std::weak_ptr<core::Connection> conn_;  // read by heartbeat_due: declared before heartbeat_
  coarse_timer heartbeat_;
  clock::time_point last_received_{}, last_ping_{};
  std::shared_ptr<core::UserSession> session_;
  bool closed_ = false;
};

}  // namespace glasshub::host
