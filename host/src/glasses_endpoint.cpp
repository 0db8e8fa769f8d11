#include "glasses_endpoint.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/wire.hpp>
#include "ws_connection.hpp"

#include <nlohmann/json.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>

namespace glasshub::host {

namespace {

// The phone's socket API cannot see protocol pings, so liveness is an app-level JSON ping.
constexpr std::string_view ping_frame = R"({"type":"ping"})";

// Header first, then the `token` query parameter (protocol.md §4.1).
std::string phone_token(const http_request& req) {
  if (const std::string_view bearer = bearer_token(req); !bearer.empty())
    return std::string(bearer);
  const auto params = parse_target(req).params();
  const auto it = params.find("token");
  return it == params.end() ? std::string() : (*it).value;
}

}  // namespace

std::optional<http_response> glasses_endpoint::upgrade(core::Hub& hub, admission& limits,
                                                       beast::tcp_stream& stream,
                                                       const http_request& req) {
  const core::AuthResult auth = hub.authenticate_glasses(phone_token(req));
  if (!auth.ok) {
    hub.count_rejected_connection("auth");
    const nlohmann::ordered_json body{{"type", "connection_error"},
                                      {"message", auth.error},
                                      {"timestamp", core::iso_timestamp()}};
    return make_response(req, http::status::unauthorized, "application/json", body.dump());
  }
  auto admitted = limits.admit(auth.user_id);
  if (auto* refused = std::get_if<admission::refusal>(&admitted)) {
    hub.count_rejected_connection(refused->reason);
    const nlohmann::ordered_json body{{"type", "connection_error"},
                                      {"code", refused->code},
                                      {"message", refused->message},
                                      {"timestamp", core::iso_timestamp()}};
    return admission::respond(req, *refused, body.dump());
  }
  // No protocol-level keepalive: the phone's socket API cannot see pings; the JSON heartbeat
  // below keeps the socket busy and checks liveness.
  // On the session's strand, the phone's frames reach the session without a queue hop.
  const socket_strand strand = hub.glasses_strand(auth.user_id);
  auto handler = std::make_unique<glasses_endpoint>(hub, auth.user_id, strand);
  std::make_shared<ws_connection>(stream.release_socket(), strand, std::move(handler),
                                  false, std::get<admission::ticket>(std::move(admitted)))
      ->start(req);
  return std::nullopt;
}

glasses_endpoint::glasses_endpoint(core::Hub& hub, std::string user_id,
                                   const socket_strand& strand)
    : hub_(hub),
      user_id_(std::make_unique<const std::string>(std::move(user_id))),
      heartbeat_(strand, this, &glasses_endpoint::heartbeat_due) {}

void glasses_endpoint::on_open(const core::ConnectionPtr& conn) {
  // Throwing: ws_connection closes 1011.
  session_ = hub_.glasses_connected(*user_id_, conn,
                                    static_cast<const ws_connection&>(*conn).strand());
  user_id_.reset();
  last_received_ = last_ping_ = clock::now();
  conn_ = conn;
  schedule_tick();
}

void glasses_endpoint::on_frame(const core::ConnectionPtr& conn, std::string_view bytes,
                                bool binary) {
  last_received_ = clock::now();
  if (session_) hub_.glasses_frame(session_, conn, bytes, binary);
}

void glasses_endpoint::on_rate_limited(const core::ConnectionPtr& conn,
                                       message_rate::verdict verdict) {
  last_received_ = clock::now();  // over its rate is not silent
  answer_rate_limited(hub_, conn, verdict, false);
}

void glasses_endpoint::on_closed(const core::ConnectionPtr& conn, uint16_t close_code) {
  closed_ = true;
  if (auto why = static_cast<const ws_connection&>(*conn).refused_reason(); !why.empty())
    hub_.count_rejected_connection("glasses_" + std::string(why));
  heartbeat_.cancel();
  if (session_) hub_.glasses_closed(session_, conn, close_code);
}

// One timer does both jobs: the JSON ping, and (when enabled) closing a phone gone silent. Both
// settings are read at every tick, so a reload applies from the socket's next tick.
void glasses_endpoint::schedule_tick() {
  using std::chrono::milliseconds;
  const auto& settings = core::live_settings.websocket;
  auto tick = milliseconds(settings.glasses_heartbeat_interval_ms());
  if (settings.pong_timeout_enabled())
    tick = std::min(tick, std::max(milliseconds(settings.pong_timeout_ms()) / 4, milliseconds(50)));
  heartbeat_.arm(tick);
}

// On the wheel's thread: the connection owns this endpoint, so holding it keeps `this` alive.
void glasses_endpoint::heartbeat_due(void* self, uint32_t generation) {
  auto* ep = static_cast<glasses_endpoint*>(self);
  if (auto conn = ep->conn_.lock())
    net::post(static_cast<const ws_connection&>(*conn).strand(), [ep, conn, generation] {
      if (ep->heartbeat_.current(generation)) ep->on_tick(conn);
    });
}

void glasses_endpoint::on_tick(const core::ConnectionPtr& conn) {
  if (closed_) return;
  using std::chrono::milliseconds;
  const auto& settings = core::live_settings.websocket;
  const auto now = clock::now();
  if (settings.pong_timeout_enabled() &&
      now - last_received_ > milliseconds(settings.pong_timeout_ms()))
    return conn->close(1001, "Heartbeat timeout");  // the phone reconnects on any code
  if (now - last_ping_ >= milliseconds(settings.glasses_heartbeat_interval_ms())) {
    last_ping_ = now;
    hub_.send_direct(*conn, GH_ENDPOINT_GLASSES, ping_frame, GH_FRAME_TEXT,
                     GH_DELIVERY_DROPPABLE);
  }
  schedule_tick();
}

}  // namespace glasshub::host
