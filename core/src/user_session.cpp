#include "user_session.hpp"

#include "delivery.hpp"
#include "host_api.hpp"
#include "hub_state.hpp"
#include "plugin_set.hpp"
#include "short_strings.hpp"
#include "subscriptions.hpp"
#include <glasshub/core/wire.hpp>

#include <nlohmann/json.hpp>

#include <boost/asio/post.hpp>

namespace glasshub::core {

namespace {
// The data_stream frames of one publish are built here, one after another: the connection copies
// each into its send buffer, so the relay allocates nothing per delivery.
std::string& envelope_buffer() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}
}  // namespace

UserSession::UserSession(HubState& h, std::string id, Strand s)
    : hub(h), user_id(std::move(id)), strand(std::move(s)) {}

UserSession::~UserSession() = default;

bool UserSession::to_app(std::string_view package, AppLink& app, std::string_view frame,
                         gh_frame_kind kind, gh_delivery delivery, std::string_view type) {
  return deliver(hub.stats, *app.conn, GH_ENDPOINT_APP, user_id, package, frame, kind, delivery,
                 type);
}

gh_status UserSession::send_to_glasses(gh_frame_kind kind, std::string_view bytes,
                                       gh_delivery delivery) {
  if (!glasses) return GH_ERR_NOT_FOUND;
  return deliver(hub.stats, *glasses, GH_ENDPOINT_GLASSES, user_id, {}, bytes, kind, delivery)
             ? GH_OK
             : GH_ERR_BACKPRESSURE;
}

gh_status UserSession::send_to_app(std::string_view package, gh_frame_kind kind,
                                   std::string_view bytes, gh_delivery delivery) {
  auto it = apps.find(package);
  if (it == apps.end() || !it->second.conn) return GH_ERR_NOT_FOUND;
  return to_app(it->first, it->second, bytes, kind, delivery) ? GH_OK : GH_ERR_BACKPRESSURE;
}

gh_status UserSession::publish(std::string_view stream, std::string_view data_json,
                               gh_delivery delivery, uint32_t* delivered) {
  uint32_t n = 0;
  char tail[64];  // ,"timestamp":"…"} : one clock read for every app of this fan-out
  std::size_t tail_len = 0;
  for (auto& [package, app] : apps) {
    if (!app.conn) continue;
    for (const auto& sub : app.subscriptions) {
      // streamType echoes the app's own subscription string (protocol.md §1 G13).
      const std::string_view stream_type = delivered_stream_type(sub, stream, app.permissions);
      if (stream_type.empty()) continue;
      if (tail_len == 0) {
        std::string& t = envelope_buffer();
        append_data_stream_tail(t);
        tail_len = std::min(t.size(), sizeof tail);
        t.copy(tail, tail_len);
      }
      // The head is made again only when the app's session id or the stream type changed.
      if (!app.relay_head) app.relay_head = std::make_unique<AppLink::RelayHead>();
      AppLink::RelayHead& h = *app.relay_head;
      if (!same_bytes(h.stream_type, stream_type) || !same_bytes(h.session_id, app.session_id)) {
        h.session_id = app.session_id;
        h.stream_type = stream_type;
        h.head.clear();
        append_data_stream_head(h.head, app.session_id, stream_type);
      }
      std::string& frame = envelope_buffer();
      frame.append(h.head).append(data_json).append(tail, tail_len);
      if (to_app(package, app, frame, GH_FRAME_TEXT, delivery, "data_stream")) ++n;
      break;  // one delivery per app
    }
  }
  if (delivered) *delivered = n;
  return GH_OK;
}

gh_status UserSession::publish_binary(std::string_view stream, std::string_view bytes,
                                      gh_delivery delivery, uint32_t* delivered) {
  uint32_t n = 0;
  for (auto& [package, app] : apps) {
    if (!app.conn) continue;
    for (const auto& sub : app.subscriptions) {
      if (delivered_stream_type(sub, stream, app.permissions).empty()) continue;
      if (to_app(package, app, bytes, GH_FRAME_BINARY, delivery)) ++n;
      break;
    }
  }
  if (delivered) *delivered = n;
  return GH_OK;
}

gh_status UserSession::broadcast_to_apps(gh_frame_kind kind, std::string_view bytes,
                                         gh_delivery delivery, uint32_t* delivered) {
  uint32_t n = 0;
  for (auto& [package, app] : apps) {
    if (!app.conn) continue;
    if (to_app(package, app, bytes, kind, delivery)) ++n;
  }
  if (delivered) *delivered = n;
  return GH_OK;
}

// Written directly (the keys in nlohmann's order): plugins ask for it on timers for every user,
// e.g. the audio plugin's microphone keep-alive.
std::string UserSession::apps_json() const {
  std::string out = "[";
  for (const auto& [package, app] : apps) {
    if (out.size() > 1) out += ',';
    out += app.conn ? R"({"connected":true,"packageName":)" : R"({"connected":false,"packageName":)";
    append_json_quoted(out, package);
    out += R"(,"subscriptions":[)";
    for (std::size_t i = 0; i < app.subscriptions.size(); ++i) {
      if (i) out += ',';
      append_json_quoted(out, app.subscriptions[i]);
    }
    out += "]}";
  }
  out += ']';
  return out;
}

gh_status UserSession::app_release(std::string_view package, uint16_t code,
                                   std::string_view reason) {
  if (package.empty() || reason.size() > 123) return GH_ERR_INVALID_ARGUMENT;
  hub.revoke_app(user_id + "-" + std::string(package));
  auto it = apps.find(package);
  if (it == apps.end()) return GH_OK;
  const std::string pkg = it->first;
  const bool had_subscriptions = !it->second.subscriptions.empty();
  it->second.subscriptions.clear();
  if (it->second.grace_timer) it->second.grace_timer->cancel();
  if (it->second.conn && code != 0) {
    it->second.conn->close(code, std::string(reason));
    apps.erase(it);  // its close arrives later and is ignored as stale
  } else if (!it->second.conn) {
    apps.erase(it);
  }
  if (had_subscriptions) run_hooks(hub, *this, Hook::subscriptions_changed, pkg);
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
  uint64_t id = held().next_timer_id++;
  auto timer = std::make_unique<boost::asio::steady_timer>(strand);
  timer->expires_after(std::chrono::milliseconds(delay_ms));
  timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: timer_cancel / cancel_all_timers already told the plugin
    const GenerationScope g(self->hub, *self);  // a reload may have retired the timer's plugin
    auto& timers = self->held().timers;
    auto it = timers.find(id);
    if (it == timers.end()) return;
    Timer t = std::move(it->second);
    timers.erase(it);
    const CallContext call_ctx{t.plugin, self.get(), {}, {}};
    CallScope scope(call_ctx);
    try {
      t.fn(t.state, &self->handle, id);
    } catch (...) {
      t.plugin->errors.fetch_add(1, std::memory_order_relaxed);
    }
  });
  held_->timers.emplace(id, Timer{std::move(timer), plugin, fn, state});
  if (id_out) *id_out = id;
  return GH_OK;
}

gh_status UserSession::timer_cancel(uint64_t id) {
  if (!held_) return GH_ERR_NOT_FOUND;
  auto it = held_->timers.find(id);
  if (it == held_->timers.end()) return GH_ERR_NOT_FOUND;
  Timer t = std::move(it->second);
  held_->timers.erase(it);
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

void UserSession::cancel_all_timers(const gh_plugin* only) {
  if (!held_) return;
  std::vector<uint64_t> ids;
  for (const auto& [id, t] : held_->timers)
    if (!only || t.plugin == only) ids.push_back(id);
  for (uint64_t id : ids) timer_cancel(id);
}

gh_status UserSession::http_call(gh_plugin* plugin, const gh_http_call& c,
                                 gh_plugin_on_http_result_fn fn, void* state, uint64_t* id_out) {
  if (!fn || disposed) return disposed ? GH_ERR_WRONG_STATE : GH_ERR_INVALID_ARGUMENT;
  if (!hub.http_client) return GH_ERR_UNSUPPORTED;
  auto text = [](gh_str g) { return g.ptr ? std::string(g.ptr, g.len) : std::string(); };
  HttpCall call;
  call.method = c.method;
  call.url = text(c.url);
  if (call.url.rfind("http://", 0) != 0 && call.url.rfind("https://", 0) != 0)
    return GH_ERR_INVALID_ARGUMENT;
  call.content_type = text(c.content_type);
  call.body = text(c.body);
  call.extra_headers = text(c.extra_headers);
  call.timeout_ms = c.timeout_ms;  // 0: the host's server.outboundHttpTimeoutMs
  const uint64_t id = held().next_call_id++;
  held_->calls.emplace(id, Call{plugin, fn, state});
  if (id_out) *id_out = id;
  hub.http_client->send(std::move(call), [self = shared_from_this(), id](HttpCallResult r) {
    boost::asio::post(self->strand, [self, id, r = std::move(r)] {
      const GenerationScope g(self->hub, *self);  // a reload may have retired the caller
      auto& calls = self->held().calls;
      auto it = calls.find(id);
      if (it == calls.end()) return;  // abandoned: the plugin already heard
      Call c = it->second;
      calls.erase(it);
      gh_http_result res{};
      res.size = sizeof(gh_http_result);
      res.status = r.status;
      res.body = gh_str{r.body.data(), r.body.size()};
      res.error = gh_str{r.error.data(), r.error.size()};
      const CallContext call_ctx{c.plugin, self.get(), {}, {}};
      CallScope scope(call_ctx);
      try {
        c.fn(c.state, &self->handle, &res);
      } catch (...) {
        c.plugin->errors.fetch_add(1, std::memory_order_relaxed);
      }
    });
  });
  return GH_OK;
}

void UserSession::cancel_all_calls(const gh_plugin* only) {
  if (!held_) return;
  std::unordered_map<uint64_t, Call> calls;
  for (auto it = held_->calls.begin(); it != held_->calls.end();) {
    if (only && it->second.plugin != only) {
      ++it;
      continue;
    }
    calls.insert(*it);
    it = held_->calls.erase(it);
  }
  for (auto& [id, c] : calls) {
    const CallContext call_ctx{c.plugin, this, {}, {}};
    CallScope scope(call_ctx);
    try {
      c.fn(c.state, nullptr, nullptr);  // lets the plugin free its state
    } catch (...) {
    }
  }
}

UserSession::PluginHeld& UserSession::held() {
  if (!held_) held_ = std::make_unique<PluginHeld>();
  return *held_;
}

gh_status UserSession::user_data_set(gh_plugin* plugin, void* data, void (*free_fn)(void*)) {
  if (!plugin) return GH_ERR_INVALID_ARGUMENT;
  if (!data && !held_) return GH_OK;
  auto& user_data = held().user_data;
  auto it = user_data.find(plugin);
  if (it != user_data.end()) {
    UserData old = it->second;
    user_data.erase(it);
    if (old.free_fn && old.data != data) old.free_fn(old.data);
  }
  if (data) user_data[plugin] = UserData{data, free_fn};
  return GH_OK;
}

void* UserSession::user_data_get(gh_plugin* plugin) const {
  if (!held_) return nullptr;
  auto it = held_->user_data.find(plugin);
  return it == held_->user_data.end() ? nullptr : it->second.data;
}

void UserSession::free_user_data(const gh_plugin* only) {
  if (!held_) return;
  std::unordered_map<gh_plugin*, UserData> all;
  for (auto it = held_->user_data.begin(); it != held_->user_data.end();) {
    if (only && it->first != only) {
      ++it;
      continue;
    }
    all.insert(*it);
    it = held_->user_data.erase(it);
  }
  for (auto& [plugin, d] : all) {
    try {
      if (d.free_fn) d.free_fn(d.data);
    } catch (...) {
    }
  }
}

}  // namespace glasshub::core
