// `/app-ws`: an app server's socket. Lifecycle only: init handshake and timeout, then the hub.
#pragma once

#include "admission.hpp"
#include "coarse_timer.hpp"
#include "http_message.hpp"
#include "socket_strand.hpp"
#include "ws_handler.hpp"

#include <glasshub/core/hub.hpp>


#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace glasshub::host {

class app_endpoint final : public ws_handler {
 public:
  // SDK 2.1.29 authenticates with its first message, so every upgrade within the limits is
  // accepted; otherwise the 429/503 to answer instead is returned.
  static std::optional<http_response> upgrade(core::Hub& hub, admission& limits,
                                              beast::tcp_stream& stream, const http_request& req);

  app_endpoint(core::Hub& hub, const socket_strand& strand);

  void on_open(const core::ConnectionPtr& conn) override;
  void on_frame(const core::ConnectionPtr& conn, std::string_view bytes, bool binary) override;
  void on_rate_limited(const core::ConnectionPtr& conn, message_rate::verdict verdict) override;
  void on_closed(const core::ConnectionPtr& conn, uint16_t close_code) override;

 private:
  void init(const core::ConnectionPtr& conn, std::string_view frame);
  static void init_due(void* self, uint32_t generation);  // coarse_timer::fire_fn

  core::Hub& hub_;
  std::weak_ptr<core::Connection> conn_;  // read by init_due: declared before init_timer_
  coarse_timer init_timer_;
  std::shared_ptr<core::UserSession> session_;  // set once tpa_connection_init is accepted
  std::string package_;
  bool refused_ = false;
};

}  // namespace glasshub::host
