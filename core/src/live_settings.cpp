#include <glasshub/core/live_settings.hpp>

namespace glasshub::core {

LiveSettings live_settings;

LiveSettings::LiveSettings() noexcept { store(Config{}); }

void LiveSettings::store(const Config& c) noexcept {
  server.drain_timeout_ms.store(c.server.drain_timeout_ms);
  server.http_idle_timeout_ms.store(c.server.http_idle_timeout_ms);
  server.http_header_limit_bytes.store(c.server.http_header_limit_bytes);
  server.http_body_limit_bytes.store(c.server.http_body_limit_bytes);
  server.outbound_http_timeout_ms.store(c.server.outbound_http_timeout_ms);
  server.outbound_http_max_body_bytes.store(c.server.outbound_http_max_body_bytes);
  websocket.glasses_heartbeat_interval_ms.store(c.websocket.glasses_heartbeat_interval_ms);
  websocket.pong_timeout_ms.store(c.websocket.pong_timeout_ms);
  websocket.pong_timeout_enabled.store(c.websocket.pong_timeout_enabled);
  websocket.app_ping_interval_ms.store(c.websocket.app_ping_interval_ms);
  websocket.close_timeout_ms.store(c.websocket.close_timeout_ms);
  websocket.max_message_bytes.store(c.websocket.max_message_bytes);
  websocket.max_json_depth.store(c.websocket.max_json_depth);
  websocket.send_queue_max_bytes.store(c.websocket.send_queue_max_bytes);
  websocket.tcp_user_timeout_ms.store(c.websocket.tcp_user_timeout_ms);
  limits.max_connections.store(c.limits.max_connections);
  limits.max_connections_per_user.store(c.limits.max_connections_per_user);
  limits.new_connections_per_second.store(c.limits.new_connections_per_second);
  limits.new_connections_burst.store(c.limits.new_connections_burst);
  limits.messages_per_second.store(c.limits.messages_per_second);
  limits.message_burst.store(c.limits.message_burst);
  app.session_timeout_ms.store(c.app.session_timeout_ms);
}

}  // namespace glasshub::core
