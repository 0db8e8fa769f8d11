#include "user_session.hpp"

#include "host_api.hpp"
#include "hub_state.hpp"
#include <glasshub/core/wire.hpp>

#include <boost/asio/post.hpp>

namespace glasshub::core {

namespace {
Frame make_frame(std::string_view bytes) { return std::make_shared<const std::string>(bytes); }
}  // namespace

bool subscription_matches(std::string_view sub, std::string_view stream) noexcept {
  return sub == stream || sub == "*" || sub == "all";
}

UserSession::UserSession(HubState& h, std::string id)
    : hub(h), user_id(std::move(id)), strand(boost::asio::make_strand(h.ioc)) {}

UserSession::~UserSession() = default;

bool UserSession::sent(bool ok) noexcept {
  if (!ok) hub.stats.send_refused.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

gh_status UserSession::send_to_glasses(gh_frame_kind kind, std::string_view bytes,
                                       gh_delivery delivery) {
  if (!glasses) return GH_ERR_NOT_FOUND;
  return sent(glasses->send(make_frame(bytes), kind, delivery)) ? GH_OK : GH_ERR_BACKPRESSURE;
}

gh_status UserSession::send_to_app(std::string_view package, gh_frame_kind kind,
                                   std::string_view bytes, gh_delivery delivery) {
  auto it = apps.find(package);
  if (it == apps.end() || !it->second.conn) return GH_ERR_NOT_FOUND;
  return sent(it->second.conn->send(make_frame(bytes), kind, delivery)) ? GH_OK
                                                                         : GH_ERR_BACKPRESSURE;
}

gh_status UserSession::publish(std::string_view stream, std::string_view data_json,
                               gh_delivery delivery, uint32_t* delivered) {
  uint32_t n = 0;
  for (auto& [package, app] : apps) {
    if (!app.conn) continue;
    for (const auto& sub : app.subscriptions) {
      if (!subscription_matches(sub, stream)) continue;
      // streamType echoes the app's own subscription string (protocol.md §1 G13).
      const std::string_view stream_type = (sub == "*" || sub == "all") ? stream : sub;
      auto frame = std::make_shared<const std::string>(
          data_stream_envelope(app.session_id, stream_type, data_json));
      if (sent(app.conn->send(std::move(frame), GH_FRAME_TEXT, delivery))) ++n;
      break;  // one delivery per app
    }
  }
  if (delivered) *delivered = n;
  return GH_OK;
}

gh_status UserSession::publish_binary(std::string_view stream, std::string_view bytes,
                                      gh_delivery delivery, uint32_t* delivered) {
  uint32_t n = 0;
  Frame shared;  // one buffer for every recipient
  for (auto& [package, app] : apps) {
    if (!app.conn) continue;
    for (const auto& sub : app.subscriptions) {
      if (!subscription_matches(sub, stream)) continue;
      if (!shared) shared = make_frame(bytes);
      if (sent(app.conn->send(shared, GH_FRAME_BINARY, delivery))) ++n;
      break;
    }
  }
  if (delivered) *delivered = n;
  return GH_OK;
}

gh_status UserSession::close_connection(std::string_view package, uint16_t code,
                                        std::string_view reason) {
  if (reason.size() > 123) return GH_ERR_INVALID_ARGUMENT;
  if (package.empty()) {
    if (!glasses) return GH_ERR_NOT_FOUND;
    glasses->close(code, std::string(reason));
    return GH_OK;
  }
  auto it = apps.find(package);
  if (it == apps.end() || !it->second.conn) return GH_ERR_NOT_FOUND;
  it->second.conn->close(code, std::string(reason));
  return GH_OK;
}

gh_status UserSession::timer_start(gh_plugin* plugin, uint64_t delay_ms,
                                   gh_plugin_on_timer_fn fn, void* state, uint64_t* id_out) {
  if (!fn || disposed) return disposed ? GH_ERR_WRONG_STATE : GH_ERR_INVALID_ARGUMENT;
  uint64_t id = next_timer_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(strand);
  timer->expires_after(std::chrono::milliseconds(delay_ms));
  timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: timer_cancel / cancel_all_timers already told the plugin
    auto it = self->timers_.find(id);
    if (it == self->timers_.end()) return;
    Timer t = std::move(it->second);
    self->timers_.erase(it);
    const CallContext call_ctx{t.plugin, self.get(), {}, {}};
    CallScope scope(call_ctx);
    try {
      t.fn(t.state, &self->handle, id);
    } catch (...) {
      t.plugin->errors.fetch_add(1, std::memory_order_relaxed);
    }
  });
  timers_.emplace(id, Timer{std::move(timer), plugin, fn, state});
  if (id_out) *id_out = id;
  return GH_OK;
}

gh_status UserSession::timer_cancel(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return GH_ERR_NOT_FOUND;
  Timer t = std::move(it->second);
  timers_.erase(it);
  t.timer->cancel();
  const CallContext call_ctx{t.plugin, this, {}, {}};
  CallScope scope(call_ctx);
  try {
    t.fn(t.state, nullptr, id);  // lets the plugin free its state
  } catch (...) {
  }
  return GH_OK;
}

gh_status UserSession::allow_app(std::string_view package, gh_plugin_on_bytes_fn sink,
                                 void* sink_state) {
  if (package.empty()) return GH_ERR_INVALID_ARGUMENT;
  auto sid = hub.allow_app(user_id, package);
  if (!sid) return GH_ERR_NOT_FOUND;
  if (sink) sink(sink_state, gh_str{sid->data(), sid->size()});
  return GH_OK;
}

void UserSession::cancel_all_timers() {
  while (!timers_.empty()) timer_cancel(timers_.begin()->first);
}

}  // namespace glasshub::core
