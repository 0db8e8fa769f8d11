#include "app_endpoint.hpp"

#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/wire.hpp>
#include "ws_connection.hpp"

#include <nlohmann/json.hpp>

#include <boost/asio/post.hpp>

#include <chrono>
#include <variant>

namespace glasshub::host {

namespace {

void send_error(core::Hub& hub, const core::ConnectionPtr& conn, std::string_view code,
                std::string_view message) {
  hub.send_direct(*conn, GH_ENDPOINT_APP, core::app_error_frame(code, message), GH_FRAME_TEXT,
                  GH_DELIVERY_RELIABLE);
}

// Only the init message may open a session; anything else before it is answered, not routed.
bool is_init(std::string_view frame) {
  const auto doc = nlohmann::json::parse(frame, nullptr, false);
  return doc.is_object() && doc.value("type", std::string()) == "tpa_connection_init";
}

}  // namespace

std::optional<http_response> app_endpoint::upgrade(core::Hub& hub, admission& limits,
                                                   beast::tcp_stream& stream,
                                                   const http_request& req) {
  auto admitted = limits.admit({});
  if (auto* refused = std::get_if<admission::refusal>(&admitted)) {
    hub.count_rejected_connection(refused->reason);
    // The shape of the reference's header-auth refusals (protocol.md §4.2).
    const nlohmann::ordered_json body{{"type", "tpa_connection_error"},
                                      {"code", refused->code},
                                      {"message", refused->message},
                                      {"timestamp", core::iso_timestamp()}};
    return admission::respond(req, *refused, body.dump());
  }
  // SDK 2.1.29 must only get protocol pings: one after an interval of silence, and the socket
  // is dropped when another interval passes without a byte.
  const socket_strand strand = strand_of(stream.socket());
  auto handler = std::make_unique<app_endpoint>(hub, strand);
  std::make_shared<ws_connection>(stream.release_socket(), strand, std::move(handler),
                                  true, std::get<admission::ticket>(std::move(admitted)))
      ->start(req);
  return std::nullopt;
}

app_endpoint::app_endpoint(core::Hub& hub, const socket_strand& strand)
    : hub_(hub), init_timer_(strand, this, &app_endpoint::init_due) {}

void app_endpoint::on_open(const core::ConnectionPtr& conn) {
  conn_ = conn;
  init_timer_.arm(std::chrono::milliseconds(core::live_settings.app.session_timeout_ms()));
}

// On the wheel's thread: the connection owns this endpoint, so holding it keeps `this` alive.
void app_endpoint::init_due(void* self, uint32_t generation) {
  auto* ep = static_cast<app_endpoint*>(self);
  if (auto conn = ep->conn_.lock())
    net::post(static_cast<const ws_connection&>(*conn).strand(), [ep, conn, generation] {
      if (!ep->init_timer_.current(generation) || ep->session_) return;
      conn->close(ws::close_code::policy_error, "Connection initialization timeout");
    });
}

void app_endpoint::on_frame(const core::ConnectionPtr& conn, std::string_view bytes,
                            bool binary) {
  if (session_) return hub_.app_frame(session_, package_, conn, std::string(bytes), binary);
  if (refused_) return;  // closing: nothing more to say
  if (binary || !is_init(bytes)) {
    hub_.count_rejected_connection("app_not_initialized");
    send_error(hub_, conn, "SESSION_NOT_FOUND", "Not initialized: send tpa_connection_init first");
    return;
  }
  init(conn, bytes);
}

void app_endpoint::init(const core::ConnectionPtr& conn, std::string_view frame) {
  auto result = hub_.app_init(conn, frame);
  if (auto* accepted = std::get_if<core::AppAccepted>(&result)) {
    session_ = std::move(accepted->session);
    package_ = std::move(accepted->package_name);
    init_timer_.cancel();
    return;
  }
  auto& refused = std::get<core::AppRefused>(result);
  refused_ = true;
  send_error(hub_, conn, refused.code, refused.message);
  conn->close(refused.close_code, std::move(refused.close_reason));
}

void app_endpoint::on_rate_limited(const core::ConnectionPtr& conn,
                                   message_rate::verdict verdict) {
  answer_rate_limited(hub_, conn, verdict, true);
}

void app_endpoint::on_closed(const core::ConnectionPtr& conn, uint16_t close_code) {
  init_timer_.cancel();
  if (auto why = static_cast<const ws_connection&>(*conn).refused_reason(); !why.empty())
    hub_.count_rejected_connection("app_" + std::string(why));
  if (session_) hub_.app_closed(session_, package_, conn, close_code);
}

}  // namespace glasshub::host
