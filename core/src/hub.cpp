#include <glasshub/core/auth.hpp>
#include <glasshub/core/hub.hpp>

#include "delivery.hpp"
#include "host_api.hpp"
#include "hub_state.hpp"
#include "json_depth.hpp"
#include "relay_scan.hpp"
#include "subscriptions.hpp"
#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>
#include <glasshub/core/manifest.hpp>
#include <glasshub/core/wire.hpp>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iterator>
#include <map>

namespace glasshub::core {

using nlohmann::json;
namespace asio = boost::asio;

namespace {

// One lifecycle hook of one plugin, its failure contained.
void call_hook(gh_plugin& p, UserSession& s, Hook hook, std::string_view package = {},
               gh_ack* ack = nullptr, std::string_view data = {}) {
  if (!p.loaded || !p.has_hooks) return;
  const gh_lifecycle_hooks& h = p.hooks;
  const bool has_package = hook != Hook::user_settings_changed && hook != Hook::plugin_event;
  // A hook run because of a message (e.g. subscriptions_changed) logs with that message's id.
  const CallContext* outer = current_call();
  const CallContext call_ctx{&p, &s, outer ? outer->correlation_id : std::string_view(),
                             has_package ? package : std::string_view()};
  CallScope scope(call_ctx);
  gh_str pkg{package.data(), package.size()};
  try {
    switch (hook) {
      case Hook::created:
        if (h.on_user_session_created) h.on_user_session_created(p.hooks_state, &s.handle);
        break;
      case Hook::disposed:
        if (h.on_user_session_disposed) h.on_user_session_disposed(p.hooks_state, &s.handle);
        break;
      case Hook::glasses_connected:
        if (h.on_glasses_connected) h.on_glasses_connected(p.hooks_state, &s.handle);
        break;
      case Hook::glasses_disconnected:
        if (h.on_glasses_disconnected) h.on_glasses_disconnected(p.hooks_state, &s.handle);
        break;
      case Hook::app_connected:
        if (h.on_app_connected) h.on_app_connected(p.hooks_state, &s.handle, pkg);
        break;
      case Hook::app_disconnected:
        if (h.on_app_disconnected) h.on_app_disconnected(p.hooks_state, &s.handle, pkg);
        break;
      case Hook::app_ack:
        if (h.on_app_ack && ack) h.on_app_ack(p.hooks_state, &s.handle, pkg, ack);
        break;
      case Hook::subscriptions_changed:
        if (h.on_subscriptions_changed) h.on_subscriptions_changed(p.hooks_state, &s.handle, pkg);
        break;
      case Hook::app_grace_expired:
        if (h.on_app_grace_expired) h.on_app_grace_expired(p.hooks_state, &s.handle, pkg);
        break;
      case Hook::user_settings_changed:
        if (h.on_user_settings_changed) h.on_user_settings_changed(p.hooks_state, &s.handle, pkg);
        break;
      case Hook::plugin_event:
        if (h.on_plugin_event)
          h.on_plugin_event(p.hooks_state, &s.handle, pkg, gh_str{data.data(), data.size()});
        break;
    }
  } catch (...) {
    p.errors.fetch_add(1, std::memory_order_relaxed);
    log_line(spdlog::level::err, "hook_failed", "lifecycle hook threw",
             {.user_id = s.user_id, .package_name = package, .plugin = p.name});
  }
}

bool runs(const Generation& g, const gh_plugin* p) {
  for (const auto& q : g.set().plugins)
    if (q.get() == p) return true;
  return false;
}

// Moves the session to the current generation (strand, unpinned): what the reload took away is
// retired for this user as if the session ended for it; what it added sees the session start.
void catch_up(HubState& hub, UserSession& s) {
  // A session being disposed finishes with the plugins that knew it (their user data is still
  // to be freed); it lets go of them when it is destroyed.
  if (s.disposed && s.generation) return;
  GenerationPtr previous = std::exchange(s.generation, hub.generation());
  if (!previous) return;
  ++s.generation_pins;  // the hooks below must not start another catch-up
  for (const auto& p : previous->set().plugins) {
    if (!p->loaded || runs(*s.generation, p.get())) continue;
    call_hook(*p, s, Hook::disposed);
    s.cancel_all_timers(p.get());
    s.cancel_all_calls(p.get());
    s.free_user_data(p.get());
  }
  for (const auto& p : s.generation->set().plugins) {
    if (!p->loaded || runs(*previous, p.get())) continue;
    call_hook(*p, s, Hook::created);
    if (s.glasses) call_hook(*p, s, Hook::glasses_connected);
  }
  --s.generation_pins;
  // `previous` goes here: when this was its last user, retired plugins hear on_unload now.
}

}  // namespace

GenerationScope::GenerationScope(HubState& hub, UserSession& s) : s_(s) {
  if (s.generation_pins == 0 &&
      (!s.generation ||
       s.generation->number != hub.generation_number.load(std::memory_order_acquire)))
    catch_up(hub, s);
  ++s.generation_pins;
}

GenerationScope::~GenerationScope() { --s_.generation_pins; }

GenerationPtr HubState::generation() const {
  std::lock_guard lock(generation_mutex);
  return generation_;
}

void HubState::publish(std::shared_ptr<Generation> next) {
  std::lock_guard lock(generation_mutex);
  next->number = generation_number.load(std::memory_order_relaxed) + 1;
  generation_ = std::move(next);
  generation_number.store(generation_->number, std::memory_order_release);
}

// Runs one lifecycle hook of every loaded plugin, in manifest order (on the user's strand).
void run_hooks(HubState& hub, UserSession& s, Hook hook, std::string_view package, gh_ack* ack,
               std::string_view data, const gh_plugin* skip) {
  GenerationScope g(hub, s);
  for (const auto& p : g->set().plugins)
    if (p.get() != skip) call_hook(*p, s, hook, package, ack, data);
}

namespace {

std::string frame_text(std::string_view type, std::string_view rest) {
  std::string out = R"({"type":")";
  out += type;
  out += '"';
  out += rest;
  out += R"(,"timestamp":")";
  out += iso_timestamp();
  out += "\"}";
  return out;
}


// The core's own handler for `subscription_update`: the host owns the subscription table
// (protocol.md §7.2, §7.6).
gh_status on_subscription_update(void*, const gh_message* m) {
  UserSession& s = *m->user->session;
  const json& root = *reinterpret_cast<const json*>(m->root);
  std::string_view package(m->package_name.ptr, m->package_name.len);
  auto app = s.apps.find(package);
  if (app == s.apps.end()) return GH_ERR_NOT_FOUND;
  AppLink& link = app->second;
  auto subs = root.find("subscriptions");
  if (subs == root.end() || !subs->is_array()) {
    if (link.conn)
      s.to_app(app->first, link,
               app_error_frame("MALFORMED_MESSAGE",
                               "subscription_update needs a \"subscriptions\" array",
                               {m->correlation_id.ptr, m->correlation_id.len}),
               GH_FRAME_TEXT, GH_DELIVERY_RELIABLE);
    return GH_OK;  // the client's mistake, not the handler's
  }
  // The SDK re-sends [] right after a (re)connect before its handlers re-register.
  const GenerationScope g(s.hub, s);
  if (subs->empty() && std::chrono::steady_clock::now() - link.connected_at <
                           std::chrono::milliseconds(g->config.app.subscription_grace_ms)) {
    log_line(spdlog::level::debug, "subscriptions_grace", "empty list within the grace ignored",
             {.user_id = s.user_id, .package_name = package});
    return GH_OK;
  }
  std::vector<std::string> accepted;
  json rejected = json::array();
  for (const auto& e : *subs) {
    std::string stream;
    if (e.is_string())
      stream = normalize_subscription(e.get_ref<const std::string&>());
    else if (e.is_object() && e.contains("stream") && e["stream"].is_string())
      stream = e["stream"].get<std::string>();
    else
      continue;  // other shapes are ignored, as the reference does
    if (stream.empty()) continue;
    const RequiredPermission need = required_permission(stream);
    if ((link.permissions & need.bit) != need.bit) {
      rejected.push_back({{"stream", stream},
                          {"requiredPermission", need.name},
                          {"message", "To subscribe to " + stream + ", add the " + need.name +
                                          " permission in the developer console"}});
      continue;
    }
    if (std::find(accepted.begin(), accepted.end(), stream) == accepted.end())
      accepted.push_back(std::move(stream));
  }
  link.subscriptions = std::move(accepted);  // full replace
  if (!rejected.empty()) s.hub.stats.count_rejected("app_permission_denied");
  if (!rejected.empty() && link.conn) {
    json err = {{"type", "permission_error"},
                {"message", "Some subscriptions were rejected due to missing permissions"},
                {"details", std::move(rejected)},
                {"timestamp", iso_timestamp()}};
    s.to_app(app->first, link, err.dump(), GH_FRAME_TEXT, GH_DELIVERY_RELIABLE);
  }
  run_hooks(s.hub, s, Hook::subscriptions_changed, package);
  return GH_OK;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Dispatch {
  // Parses once, routes, and contains any failure of the handler (DESIGN.md decisions 4, 5).
  static void run(HubState& hub, UserSession& s, gh_endpoint ep, std::string_view package,
                  std::string_view frame, bool binary) {
    const bool from_app = ep == GH_ENDPOINT_APP;
    // Text from the phone is mostly relayed, and a relay is timed one in eight per thread (two
    // precise clock reads per frame were ~5 % of a core at saturation); everything else, and so
    // every plugin's latency histogram, is timed always.
    thread_local uint32_t phone_texts = 0;
    const bool maybe_relay = !from_app && !binary;
    const bool timed = !maybe_relay || phone_texts++ % 8 == 0;
    auto t0 = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const GenerationScope g(hub, s);
    // Inline, made once: every log line, error frame and sent frame caused by this message
    // carries the same id (docs/architecture.md, "Correlation ids").
    const CorrelationId id(s.user_id);
    const std::string_view cid = id.view();
    // Sends outside plugin calls (relays, errors, the core's own handlers) find the id here.
    const CallContext message_ctx{nullptr, &s, cid, package};
    CallScope scope(message_ctx);
    LogContext lc{s.user_id, package, cid, {}};
    // Counted by catalog type, and one debug line, once the type is known.
    auto on_receive = [&](std::string_view type) {
      hub.stats.messages.received(from_app ? 1 : 0, type, frame.size());
      if (log_enabled(spdlog::level::debug))
        log_line(spdlog::level::debug, "receive",
                 std::string(from_app ? "app " : "glasses ") + std::string(type) + " (" +
                     std::to_string(frame.size()) + " bytes)",
                 lc);
    };
    // A phone type no plugin handles is only relayed: validated without building a DOM.
    if (maybe_relay) {
      const std::string_view peeked = peek_type(frame);
      if (!peeked.empty() && g->router().unhandled(ep, peeked) &&
          is_object_of_type(frame, peeked, live_settings.websocket.max_json_depth())) {
        on_receive(peeked);
        unrouted(hub, *g, s, ep, package, peeked, frame, false, lc);
        if (timed) record_latency(hub, t0, nullptr);
        return;
      }
      if (!timed) t0 = std::chrono::steady_clock::now();  // not a relay after all
    }
    json doc;
    std::string_view type;
    if (binary) {
      type = GH_BINARY_FRAME_TYPE;
    } else {
      const char* problem = nullptr;
      const bool too_deep = json_nesting_exceeds(frame, live_settings.websocket.max_json_depth());
      if (!too_deep) doc = json::parse(frame, nullptr, false);
      if (too_deep)
        problem = "Message is nested too deeply";  // never handed to the parser
      else if (doc.is_discarded())
        problem = "Message is not valid JSON";
      else if (!doc.is_object())
        problem = "Message must be a JSON object";
      else if (auto it = doc.find("type"); it == doc.end())
        problem = "Message has no \"type\" field";
      else if (!it->is_string())
        problem = "Message \"type\" must be a string";
      else
        type = it->get_ref<const std::string&>();
      if (problem) {
        hub.stats.messages.received(from_app ? 1 : 0, {}, frame.size());
        hub.stats.count_rejected(from_app ? "app_malformed_message" : "glasses_malformed_message");
        log_line(spdlog::level::warn, "malformed_message", problem, lc);
        reply_error(s, from_app, package, "MALFORMED_MESSAGE", problem, cid);
        return;
      }
    }
    on_receive(type);

    const Route* route = g->router().find(ep, type);
    const std::vector<Observer>* observers = g->router().observers(ep, type);
    if (!route && !observers) {
      unrouted(hub, *g, s, ep, package, type, frame, binary, lc);
      record_latency(hub, t0, nullptr);
      return;
    }
    gh_message m{};
    m.size = sizeof(gh_message);
    m.endpoint = ep;
    m.kind = binary ? GH_FRAME_BINARY : GH_FRAME_TEXT;
    m.type = {type.data(), type.size()};
    m.raw = {frame.data(), frame.size()};
    m.root = binary ? nullptr : reinterpret_cast<const gh_json*>(&doc);
    m.user = &s.handle;
    m.user_id = {s.user_id.data(), s.user_id.size()};
    m.package_name = {package.data(), package.size()};
    m.correlation_id = {cid.data(), cid.size()};

    if (route) {
      hub.stats.processed.fetch_add(1, std::memory_order_relaxed);
      call(hub, route->plugin, route->fn, route->state, route->owner, m, type, lc);
      route->count.fetch_add(1, std::memory_order_relaxed);
    } else {
      unrouted(hub, *g, s, ep, package, type, frame, binary, lc);
    }
    if (observers)
      for (const Observer& o : *observers) call(hub, o.plugin, o.fn, o.state, o.owner, m, type, lc);
    record_latency(hub, t0, route ? route->plugin : nullptr);
  }

  static void record_latency(HubState& hub, std::chrono::steady_clock::time_point t0,
                             gh_plugin* owner) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    hub.stats.record_latency(ms);
    if (owner) owner->latency.observe(ms / 1000.0);
  }

  // One plugin handler (owner or observer), with every failure contained and counted.
  static void call(HubState& hub, gh_plugin* plugin, gh_plugin_on_message_fn fn, void* state,
                   const std::string& owner, const gh_message& m, std::string_view type,
                   LogContext lc) {
    gh_status st;
    std::string what;
    {
      const CallContext call_ctx{plugin, m.user->session, lc.correlation_id, lc.package_name};
      CallScope scope(call_ctx);
      try {
        st = fn(state, &m);
      } catch (const std::exception& e) {
        st = GH_ERR_INTERNAL;
        what = e.what();
      } catch (...) {
        st = GH_ERR_INTERNAL;
        what = "non-standard exception";
      }
    }
    if (plugin) plugin->handled.fetch_add(1, std::memory_order_relaxed);
    if (st == GH_OK) return;
    hub.stats.errors.fetch_add(1, std::memory_order_relaxed);
    if (plugin) plugin->errors.fetch_add(1, std::memory_order_relaxed);
    lc.plugin = owner;
    log_line(spdlog::level::err, "handler_failed",
             std::string(type) + " handler failed with status " + std::to_string(st) +
                 (what.empty() ? "" : ": threw " + what),
             lc);
  }

  static void reply_error(UserSession& s, bool from_app, std::string_view package,
                          std::string_view code, std::string_view message,
                          std::string_view cid) {
    if (from_app) {
      s.send_to_app(package, GH_FRAME_TEXT, app_error_frame(code, message, cid),
                    GH_DELIVERY_RELIABLE);
    } else {
      s.send_to_glasses(GH_FRAME_TEXT, glasses_error_frame(code, message, cid),
                        GH_DELIVERY_RELIABLE);
    }
  }

  // protocol.md §2: phone types nobody handles are relayed to apps subscribed to that type;
  // app types nobody handles get an error the SDK surfaces (never an unknown type back).
  static void unrouted(HubState& hub, const Generation& g, UserSession& s, gh_endpoint ep,
                       std::string_view package,
                       std::string_view type, std::string_view frame, bool binary,
                       const LogContext& lc) {
    const bool from_app = ep == GH_ENDPOINT_APP;
    if (!from_app && !binary) {
      uint32_t n = 0;
      s.publish(type, frame, GH_DELIVERY_RELIABLE, &n);
      hub.stats.processed.fetch_add(1, std::memory_order_relaxed);
      hub.stats.count_unrouted(false, type);
      if (log_enabled(spdlog::level::debug))
        log_line(spdlog::level::debug, "relay",
                 "unhandled glasses type relayed to " + std::to_string(n) + " app(s)", lc);
      return;
    }
    if (binary) {
      hub.stats.dropped_unrouted.fetch_add(1, std::memory_order_relaxed);
      if (from_app)
        reply_error(s, true, package, "UNSUPPORTED_MESSAGE_TYPE",
                    "Binary frames are not accepted on the app socket", lc.correlation_id);
      return;
    }
    hub.stats.processed.fetch_add(1, std::memory_order_relaxed);
    if (type == "tpa_connection_init") {
      // A socket stays bound to the session it opened (the SDK re-inits on a new socket only).
      hub.stats.count_rejected("app_already_initialized");
      reply_error(s, true, package, "ALREADY_INITIALIZED",
                  "This socket is already initialized; open a new socket to initialize again",
                  lc.correlation_id);
      return;
    }
    hub.stats.count_unrouted(true, type);
    std::string msg = g.router().is_disabled(ep, type)
                          ? "Message type '" + std::string(type) + "' is disabled on this server"
                          : "Unhandled message type: " + std::string(type);
    log_line(spdlog::level::info, "unhandled_app_message", msg, lc);
    reply_error(s, true, package, "UNSUPPORTED_MESSAGE_TYPE", msg, lc.correlation_id);
  }
};

// ---------------------------------------------------------------------------------------------

namespace {

void dispose(HubState& hub, const std::shared_ptr<UserSession>& s) {
  {
    std::lock_guard lock(hub.registry_mutex);
    if (s->glasses) return;  // the phone came back
    if (s->pending_attach.load() > 0) {  // a socket being attached: dispose once it is in
      s->dispose_when_attached = true;
      return;
    }
    auto it = hub.sessions.find(s->user_id);
    if (it != hub.sessions.end() && it->second == s) hub.sessions.erase(it);
    s->disposed = true;
    for (auto e = hub.expected_apps.begin(); e != hub.expected_apps.end();)
      e = e->second.user_id == s->user_id ? hub.expected_apps.erase(e) : std::next(e);
  }
  log_line(spdlog::level::info, "session_disposed", "user session ended", {.user_id = s->user_id});
  for (auto& [package, app] : s->apps) {
    if (app.grace_timer) app.grace_timer->cancel();
    if (!app.conn) continue;
    s->to_app(package, app, frame_text("app_stopped", ""), GH_FRAME_TEXT, GH_DELIVERY_RELIABLE);
    app.conn->close(1000, "User session ended");
  }
  s->cancel_all_timers();
  s->cancel_all_calls();
  run_hooks(hub, *s, Hook::disposed);
  s->free_user_data();
  s->apps.clear();
}

// Answers route requests whose plugin did not answer in time, twice a second.
void arm_reply_sweeper(HubState& hub) {
  hub.reply_sweeper->expires_after(std::chrono::milliseconds(500));
  hub.reply_sweeper->async_wait([&hub](const boost::system::error_code& ec) {
    if (ec) return;
    for (auto& fn : hub.replies.take_expired(std::chrono::steady_clock::now()))
      fn(HttpOut{504, "application/json",
                 R"({"success":false,"message":"The server did not answer in time"})"});
    arm_reply_sweeper(hub);
  });
}

}  // namespace

namespace {

// A generation ready to publish: its plugins know the hub, the core's own routes are in.
std::shared_ptr<Generation> make_generation(HubState& hub, std::unique_ptr<PluginSet> plugins,
                                            Config config) {
  auto g = std::make_shared<Generation>();
  g->plugins = std::move(plugins);
  g->config = std::move(config);
  for (auto& p : g->plugins->impl().plugins)
    if (!p->hub) p->hub = &hub;  // kept plugins already point here (and are being read)
  // A plugin may own subscription_update; otherwise the core's table handles it.
  g->plugins->impl().router.add(GH_ENDPOINT_APP, "subscription_update", nullptr,
                                &on_subscription_update, &hub, "core");
  apply_log_levels(hub, *g);
  return g;
}

// The config keys a reload applies (docs/configuration.md, "Live reload"); an entry ending in
// '.' covers every key under it. Any other change needs a restart.
constexpr std::string_view reloadable_keys[] = {
    "session.gracePeriodMs", "session.gracePeriodCleanupEnabled", "app.gracePeriodMs",
    "app.subscriptionGraceMs", "app.sessionTimeoutMs", "server.httpReplyTimeoutMs",
    "server.drainTimeoutMs", "server.httpIdleTimeoutMs", "server.httpHeaderLimitBytes",
    "server.httpBodyLimitBytes", "server.outboundHttpTimeoutMs",
    "server.outboundHttpMaxBodyBytes", "websocket.", "limits.", "logging.level",
    "logging.plugins.", "apps"};

// Leaf values by dotted path; arrays are leaves.
void flatten(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
  if (!j.is_object()) {
    out[prefix] = j;
    return;
  }
  for (const auto& [key, value] : j.items())
    flatten(value, prefix.empty() ? key : prefix + "." + key, out);
}

// Every key whose value differs between `a` and `b`.
std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  std::map<std::string, json> fa, fb;
  flatten(config_to_json(a), "", fa);
  flatten(config_to_json(b), "", fb);
  std::vector<std::string> out;
  for (const auto& [key, value] : fa)
    if (auto it = fb.find(key); it == fb.end() || it->second != value) out.push_back(key);
  for (const auto& [key, value] : fb)
    if (!fa.count(key)) out.push_back(key);
  return out;
}

bool reloadable(std::string_view key) {
  return std::any_of(std::begin(reloadable_keys), std::end(reloadable_keys),
                     [key](std::string_view k) {
                       return k.back() == '.' ? key.substr(0, k.size()) == k : key == k;
                     });
}

}  // namespace

Hub::Hub(Config config, std::unique_ptr<PluginSet> plugins, asio::io_context& ioc)
    : state_(std::make_unique<HubState>(config, ioc)) {
  live_settings.store(config);
  state_->store->upsert_apps(state_->config.apps);  // the config's seed wins over older rows
  state_->publish(make_generation(*state_, std::move(plugins), std::move(config)));
  state_->reply_sweeper = std::make_unique<asio::steady_timer>(ioc);
  arm_reply_sweeper(*state_);
}

Hub::~Hub() {
  // The I/O threads have stopped: settle every plugin timer while the plugins are still loaded.
  std::lock_guard lock(state_->registry_mutex);
  state_->reply_sweeper.reset();
  for (auto& [id, s] : state_->sessions) {
    s->cancel_all_timers();
    s->cancel_all_calls();
    s->free_user_data();
    s->apps.clear();
    s->glasses.reset();
    s->generation.reset();
  }
  state_->sessions.clear();
}

void Hub::set_reload_sources(std::optional<std::string> config_file,
                             std::filesystem::path manifest_file) {
  state_->config_file = std::move(config_file);
  state_->manifest_file = std::move(manifest_file);
}

json Hub::reload() {
  HubState& hub = *state_;
  std::lock_guard reload_lock(hub.reload_mutex);
  std::vector<std::string> errors;
  std::optional<Config> next_config;
  try {
    next_config = load_config(hub.config_file, process_environment());
  } catch (const ConfigError& e) {
    errors.push_back("config " + hub.config_file.value_or("(defaults)") + ": " + e.what());
  }
  std::optional<Manifest> manifest;
  try {
    manifest = load_manifest(hub.manifest_file);
  } catch (const ManifestError& e) {
    errors.push_back("manifest " + hub.manifest_file.string() + ": " + e.what());
  }
  const GenerationPtr current = hub.generation();
  json changes = json::array();
  std::vector<std::string> keys;
  if (next_config) {
    keys = changed_keys(current->config, *next_config);
    for (const auto& key : keys)
      if (!reloadable(key))
        errors.push_back("config " + key + " changed: it takes effect only on a restart");
  }
  std::unique_ptr<PluginSet> plugins;
  if (errors.empty()) {  // no plugin code runs for files that are already wrong
    try {
      plugins = reload_plugins(*current->plugins, *manifest, plugin_host_settings(*next_config),
                               changes);
    } catch (const ReloadRefused& refused) {
      errors = refused.reasons();
    }
  }
  if (!errors.empty()) {
    hub.reloads_refused.fetch_add(1, std::memory_order_relaxed);
    std::string why;
    for (const auto& e : errors) why += (why.empty() ? "" : "; ") + e;
    log_line(spdlog::level::warn, "reload_refused", "reload refused, still serving the old set: " + why);
    return {{"ok", false}, {"errors", errors}};
  }
  for (const auto& key : keys) {
    changes.push_back({{"config", key}});
    // A changed level of the file replaces the one /admin/log-levels set (log_levels.cpp).
    if (key == "logging.level")
      g_log_level = spdlog::level::from_str(next_config->logging.level);
    constexpr std::string_view plugin_level = "logging.plugins.";
    if (key.starts_with(plugin_level)) hub.runtime_log_levels.erase(key.substr(plugin_level.size()));
  }
  hub.store->upsert_apps(next_config->apps);
  live_settings.store(*next_config);
  hub.publish(make_generation(hub, std::move(plugins), std::move(*next_config)));
  // Idle sessions switch now, so retired plugins are unloaded without waiting for traffic.
  std::vector<std::shared_ptr<UserSession>> all;
  {
    std::lock_guard lock(hub.registry_mutex);
    for (auto& [id, s] : hub.sessions) all.push_back(s);
  }
  for (auto& s : all) asio::post(s->strand, [&hub, s] { const GenerationScope g(hub, *s); });
  hub.reloads_ok.fetch_add(1, std::memory_order_relaxed);
  log_line(spdlog::level::info, "reload", "reloaded: " + changes.dump());
  return {{"ok", true}, {"changes", changes}};
}

const Config& Hub::config() const noexcept { return state_->config; }

AuthResult Hub::authenticate_glasses(std::string_view token) const {
  TokenCheck c = verify_core_token(token, state_->config.auth.jwt_secret);
  AuthResult r;
  r.ok = c.user_id.has_value();
  if (r.ok) r.user_id = *c.user_id;
  r.error = c.error;
  return r;
}

Strand Hub::glasses_strand(const std::string& user_id) {
  HubState& hub = *state_;
  {
    std::lock_guard lock(hub.registry_mutex);
    if (auto it = hub.sessions.find(user_id); it != hub.sessions.end() && it->second &&
                                              !it->second->disposed)
      return it->second->strand;
  }
  return hub.pooled_strand();
}

Strand Hub::accept_strand() { return state_->pooled_strand(); }

std::shared_ptr<UserSession> Hub::glasses_connected(const std::string& user_id,
                                                    ConnectionPtr conn, const Strand& strand) {
  HubState& hub = *state_;
  hub.stats.glasses_connections.fetch_add(1);
  hub.stats.accepted[0].fetch_add(1);
  hub.stats.phone_connected();
  std::shared_ptr<UserSession> s;
  bool created = false;
  {
    std::lock_guard lock(hub.registry_mutex);
    auto& slot = hub.sessions[user_id];
    if (!slot || slot->disposed) {
      slot = std::make_shared<UserSession>(hub, user_id, strand);
      created = true;
    }
    s = slot;
    s->pending_attach.fetch_add(1);
  }
  // The ack goes out at once (protocol.md §1 G2), before anything the session queues.
  deliver(hub.stats, *conn, GH_ENDPOINT_GLASSES, user_id, {},
          R"({"type":"connection_ack","sessionId":)" + json_quote(user_id) +
              R"(,"timestamp":")" + iso_timestamp() + "\"}",
          GH_FRAME_TEXT, GH_DELIVERY_RELIABLE);
  asio::post(s->strand, [&hub, s, conn, created] {
    s->pending_attach.fetch_sub(1);
    if (created) run_hooks(hub, *s, Hook::created);
    if (s->grace_timer) {
      s->grace_timer->cancel();
      s->grace_timer.reset();
    }
    s->dispose_when_attached = false;  // the phone is back: no disposal is owed
    ConnectionPtr old = std::exchange(s->glasses, conn);
    if (old && old != conn) old->close(1000, "Replaced by a newer connection");
    log_line(spdlog::level::info, "glasses_connected",
             created ? "new user session" : "user session resumed", {.user_id = s->user_id});
    run_hooks(hub, *s, Hook::glasses_connected);
  });
  return s;
}

void Hub::glasses_frame(const std::shared_ptr<UserSession>& s, const ConnectionPtr&,
                        std::string_view frame, bool binary) {
  // As for apps (app_frame): a frame that reaches a disposed session touches no plugin.
  if (s->on_strand()) {
    if (s->disposed) return state_->stats.count_dropped("session_ended");
    return Dispatch::run(*state_, *s, GH_ENDPOINT_GLASSES, {}, frame, binary);
  }
  asio::post(s->strand, [&hub = *state_, s, frame = std::string(frame), binary] {
    if (s->disposed) return hub.stats.count_dropped("session_ended");
    Dispatch::run(hub, *s, GH_ENDPOINT_GLASSES, {}, frame, binary);
  });
}

void Hub::glasses_closed(const std::shared_ptr<UserSession>& s, const ConnectionPtr& conn,
                         uint16_t close_code) {
  HubState& hub = *state_;
  hub.stats.glasses_connections.fetch_sub(1);
  hub.stats.count_disconnect(false, close_code);
  hub.stats.phone_disconnected();
  asio::post(s->strand, [&hub, s, conn] {
    if (s->glasses != conn) return;  // a close from a socket already replaced
    s->glasses.reset();
    run_hooks(hub, *s, Hook::glasses_disconnected);
    const GenerationScope g(hub, *s);
    if (!g->config.session.grace_period_cleanup_enabled) return;
    s->grace_timer = std::make_unique<asio::steady_timer>(s->strand);
    s->grace_timer->expires_after(std::chrono::milliseconds(g->config.session.grace_period_ms));
    s->grace_timer->async_wait([&hub, s](const boost::system::error_code& ec) {
      if (!ec && !s->glasses) dispose(hub, s);
    });
  });
}

AppInitResult Hub::app_init(const ConnectionPtr& conn, std::string_view frame) {
  HubState& hub = *state_;
  auto refuse = [&](std::string code, std::string message, uint16_t close_code,
                    std::string reason) -> AppInitResult {
    hub.stats.count_rejected("app_" + code);
    return AppRefused{std::move(code), std::move(message), close_code, std::move(reason)};
  };
  if (json_nesting_exceeds(frame, live_settings.websocket.max_json_depth()))
    return refuse("MALFORMED_MESSAGE", "Message is nested too deeply", 0, {});
  json doc = json::parse(frame, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return refuse("MALFORMED_MESSAGE", "Message is not a JSON object", 0, {});
  auto str = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("type") != "tpa_connection_init")
    return refuse("SESSION_NOT_FOUND", "Not initialized: send tpa_connection_init first", 0, {});
  const std::string session_id = str("sessionId"), package = str("packageName"),
                    api_key = str("apiKey");
  if (session_id.empty() || package.empty())
    return refuse("MALFORMED_MESSAGE", "tpa_connection_init needs sessionId and packageName",
                  1008, "Invalid session ID format");
  auto reg = hub.store->find_app(package);
  if (!reg || sha256_hex(api_key) != reg->hashed_api_key)
    return refuse("INVALID_API_KEY", "Invalid API key", 1008, "Invalid API key");
  std::shared_ptr<UserSession> s;
  bool revoked = false;
  {
    std::lock_guard lock(hub.registry_mutex);
    auto e = hub.expected_apps.find(session_id);
    if (e == hub.expected_apps.end() || e->second.package_name != package)
      s = nullptr;
    else if (e->second.revoked)
      revoked = true;
    else if (auto it = hub.sessions.find(e->second.user_id);
             it != hub.sessions.end() && !it->second->disposed) {
      s = it->second;
      s->pending_attach.fetch_add(1);
    }
  }
  if (revoked)
    return refuse("APP_NOT_STARTED", "App not started for this session", 1008,
                  "App not started for this session");
  if (!s) return refuse("SESSION_NOT_FOUND", "Session not found", 1008, "Session not found");
  const uint32_t permissions = permission_mask(reg->permissions);
  hub.stats.app_connections.fetch_add(1);
  hub.stats.accepted[1].fetch_add(1);
  asio::post(s->strand, [&hub, s, conn, package, session_id, permissions] {
    s->pending_attach.fetch_sub(1);
    AppLink& app = s->apps[package];
    if (app.grace_timer) {
      app.grace_timer->cancel();
      app.grace_timer.reset();
    }
    ConnectionPtr old = std::exchange(app.conn, conn);
    if (old && old != conn) old->close(1000, "App session cleanup");
    app.session_id = session_id;
    app.permissions = permissions;
    app.connected_at = std::chrono::steady_clock::now();
    // Plugins contribute the ack's fields (device: capabilities; settings: the settings).
    gh_ack ack;
    ack.set("settings", "[]");
    ack.set("mentraosSettings",
            R"({"metricSystemEnabled":false,"contextualDashboard":true,"headUpAngle":45,)"
            R"("brightness":50,"autoBrightness":true,"sensingEnabled":true,)"
            R"("alwaysOnStatusBar":false,"bypassVad":false,"bypassAudioEncoding":false,)"
            R"("preferredMic":"auto","useOnboardMic":false,"userTimezone":null})");
    ack.set("capabilities", "null");
    run_hooks(hub, *s, Hook::app_ack, package, &ack);
    std::string frame = R"({"type":"tpa_connection_ack","sessionId":)";
    frame.append(json_quote(session_id));
    for (const auto& [key, value] : ack.fields) {
      frame.append(",").append(json_quote(key)).append(":").append(value);
    }
    frame.append(R"(,"timestamp":")").append(iso_timestamp()).append("\"}");
    deliver(hub.stats, *conn, GH_ENDPOINT_APP, s->user_id, package, frame, GH_FRAME_TEXT,
            GH_DELIVERY_RELIABLE);
    log_line(spdlog::level::info, "app_connected", "app socket attached",
             {.user_id = s->user_id, .package_name = package});
    run_hooks(hub, *s, Hook::app_connected, package);
    // The phone's grace ended while this app was being attached: the session ends now, as it
    // would have without the app (otherwise nothing would ever dispose it).
    if (s->dispose_when_attached && !s->glasses && s->pending_attach.load() == 0) dispose(hub, s);
  });
  return AppAccepted{s, package};
}

void Hub::app_frame(const std::shared_ptr<UserSession>& s, const std::string& package,
                    const ConnectionPtr&, std::string frame, bool binary) {
  asio::post(s->strand, [&hub = *state_, s, package, frame = std::move(frame), binary] {
    // A socket still closing after its session ended: its late frames touch no plugin (they
    // would act on a session nobody can reach, and count as handler errors in /health).
    if (s->disposed) return hub.stats.count_dropped("session_ended");
    Dispatch::run(hub, *s, GH_ENDPOINT_APP, package, frame, binary);
  });
}

void Hub::app_closed(const std::shared_ptr<UserSession>& s, const std::string& package,
                     const ConnectionPtr& conn, uint16_t close_code) {
  HubState& hub = *state_;
  hub.stats.app_connections.fetch_sub(1);
  hub.stats.count_disconnect(true, close_code);
  asio::post(s->strand, [&hub, s, package, conn, close_code] {
    auto it = s->apps.find(package);
    if (it == s->apps.end() || it->second.conn != conn) return;  // already replaced
    it->second.conn.reset();
    log_line(spdlog::level::info, "app_disconnected",
             "app socket closed with code " + std::to_string(close_code),
             {.user_id = s->user_id, .package_name = package});
    run_hooks(hub, *s, Hook::app_disconnected, package);
    // Subscriptions survive the app grace period so a reconnect resumes them.
    auto& timer = it->second.grace_timer;
    timer = std::make_unique<asio::steady_timer>(s->strand);
    timer->expires_after(
        std::chrono::milliseconds(GenerationScope(hub, *s)->config.app.grace_period_ms));
    timer->async_wait([&hub, s, package](const boost::system::error_code& ec) {
      if (ec || s->disposed) return;
      auto a = s->apps.find(package);
      if (a == s->apps.end() || a->second.conn) return;
      const bool had_subscriptions = !a->second.subscriptions.empty();
      s->apps.erase(a);
      log_line(spdlog::level::info, "app_grace_expired", "app did not reconnect within its grace",
               {.user_id = s->user_id, .package_name = package});
      if (had_subscriptions) run_hooks(hub, *s, Hook::subscriptions_changed, package);
      run_hooks(hub, *s, Hook::app_grace_expired, package);
    });
  });
}

json Hub::handlers_json() const { return describe_plugins(*state_->generation()->plugins); }

json Hub::health_json(bool* healthy_out) const {
  const HubState& hub = *state_;
  const GenerationPtr g = hub.generation();
  json glasses_types = json::object(), app_types = json::object();
  for (gh_endpoint ep : {GH_ENDPOINT_GLASSES, GH_ENDPOINT_APP}) {
    json& out = ep == GH_ENDPOINT_APP ? app_types : glasses_types;
    for (const auto& [type, r] : g->router().table(ep))
      if (auto n = r.count.load()) out[type] = n;
  }
  size_t sessions;
  {
    std::lock_guard lock(const_cast<HubState&>(hub).registry_mutex);
    sessions = hub.sessions.size();
  }
  uint64_t processed = hub.stats.processed.load(), errors = hub.stats.errors.load();
  double rate = processed ? static_cast<double>(errors) / static_cast<double>(processed) : 0.0;
  const char* status = rate > 0.10 ? "unhealthy" : rate > 0.01 ? "degraded" : "healthy";
  json h = {{"status", status},
            {"connections",
             {{"glassesConnections", std::max<int64_t>(0, hub.stats.glasses_connections.load())},
              {"appConnections", std::max<int64_t>(0, hub.stats.app_connections.load())},
              {"totalSessions", sessions}}},
            {"messages",
             {{"glassesTypes", glasses_types},
              {"appTypes", app_types},
              {"processed", processed},
              {"errors", errors}}}};
  hub.stats.fill(h);
  h["uptime"] = std::floor(hub.stats.uptime_seconds());
  h["timestamp"] = iso_timestamp();
  if (healthy_out) *healthy_out = std::string_view(status) != "unhealthy";
  return h;
}

std::string Hub::metrics_text(const TransportStats& transport) const {
  const HubState& hub = *state_;
  const GenerationPtr g = hub.generation();
  std::string out;
  out.reserve(16384);
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto line = [&](const std::string& name_and_labels, auto value) {
    out += name_and_labels + " " + std::to_string(value) + "\n";
  };
  family("glasshub_build_info", "gauge", "Build version and plugin ABI.");
  out += "glasshub_build_info{version=\"" GLASSHUB_VERSION_STRING "\",abi=\"" +
         std::to_string(GLASSHUB_ABI_VERSION_MAJOR) + "." +
         std::to_string(GLASSHUB_ABI_VERSION_MINOR) + "\"} 1\n";
  family("glasshub_uptime_seconds", "gauge", "Seconds since the host started.");
  line("glasshub_uptime_seconds", static_cast<uint64_t>(hub.stats.uptime_seconds()));
  size_t sessions;
  {
    std::lock_guard lock(const_cast<HubState&>(hub).registry_mutex);
    sessions = hub.sessions.size();
  }
  family("glasshub_user_sessions", "gauge", "Live user sessions.");
  line("glasshub_user_sessions", sessions);
  family("glasshub_connections", "gauge", "Open WebSocket connections by endpoint.");
  line("glasshub_connections{endpoint=\"glasses\"}",
       std::max<int64_t>(0, hub.stats.glasses_connections.load()));
  line("glasshub_connections{endpoint=\"app\"}",
       std::max<int64_t>(0, hub.stats.app_connections.load()));
  family("glasshub_connections_accepted_total", "counter", "Sockets that became connections.");
  line("glasshub_connections_accepted_total{endpoint=\"glasses\"}", hub.stats.accepted[0].load());
  line("glasshub_connections_accepted_total{endpoint=\"app\"}", hub.stats.accepted[1].load());
  family("glasshub_send_queue_bytes", "gauge", "Bytes queued for sending on every open socket.");
  line("glasshub_send_queue_bytes", transport.send_queue_bytes);
  family("glasshub_messages_handled_total", "counter",
         "Messages handed to their owning plugin, by endpoint, plugin and type.");
  for (gh_endpoint ep : {GH_ENDPOINT_GLASSES, GH_ENDPOINT_APP})
    for (const auto& [type, r] : g->router().table(ep))
      line(std::string("glasshub_messages_handled_total{endpoint=\"") + endpoint_name(ep) +
               "\",plugin=\"" + r.owner + "\",type=\"" + type + "\"}",
           r.count.load());
  family("glasshub_messages_processed_total", "counter",
         "Well-formed messages handled (by a plugin, relayed, or refused as unhandled).");
  line("glasshub_messages_processed_total", hub.stats.processed.load());
  hub.stats.append_prometheus(out, transport.queue_full_drops);
  family("glasshub_reloads_total", "counter", "Live reloads (SIGHUP, POST /admin/reload).");
  line("glasshub_reloads_total{result=\"ok\"}", hub.reloads_ok.load());
  line("glasshub_reloads_total{result=\"refused\"}", hub.reloads_refused.load());
  const auto& plugins = g->set().plugins;
  family("glasshub_plugin_info", "gauge", "Plugins of the manifest (of the running generation).");
  for (size_t i = 0; i < plugins.size(); ++i) {
    const auto& p = plugins[i];
    out += "glasshub_plugin_info{plugin=\"" + p->name + "\",version=\"" + p->version +
           "\",enabled=\"" + (g->set().entries[i].enabled ? "true" : "false") + "\",loaded=\"" +
           (p->loaded ? "true" : "false") + "\"} 1\n";
  }
  family("glasshub_plugin_handler_errors_total", "counter", "Handler failures by plugin.");
  for (const auto& p : plugins)
    if (p->loaded) line("glasshub_plugin_handler_errors_total{plugin=\"" + p->name + "\"}", p->errors.load());
  family("glasshub_plugin_handler_seconds", "histogram", "Handler latency by plugin.");
  for (const auto& p : plugins)
    if (p->loaded) p->latency.append_prometheus(out, "glasshub_plugin_handler_seconds",
                                                "plugin=\"" + p->name + "\"");
  // Each plugin's own metrics, under its name (sanitized: names come from plugins).
  auto metric_name = [](std::string s) {
    for (char& ch : s)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') ch = '_';
    return s;
  };
  for (const auto& p : plugins) {
    for (const auto& c : p->counters) {
      std::string name = metric_name("glasshub_plugin_" + p->name + "_" + c.name);
      if (!name.ends_with("_total")) name += "_total";  // the exposition format's rule for counters
      family(name.c_str(), "counter", c.help.empty() ? "plugin counter" : c.help.c_str());
      line(name, c.value.load());
    }
    for (const auto& h : p->histograms) {
      const std::string name = metric_name("glasshub_plugin_" + p->name + "_" + h.name);
      family(name.c_str(), "histogram", h.help.empty() ? "plugin histogram" : h.help.c_str());
      h.data.append_prometheus(out, name, "");
    }
  }
  return out;
}

bool Hub::send_direct(Connection& conn, gh_endpoint to, std::string_view frame,
                      gh_frame_kind kind, gh_delivery delivery) {
  return deliver(state_->stats, conn, to, {}, {}, frame, kind, delivery);
}

void Hub::count_rejected_connection(std::string_view reason) {
  state_->stats.count_rejected(reason);
}

void Hub::drain() {
  std::vector<std::shared_ptr<UserSession>> all;
  {
    std::lock_guard lock(state_->registry_mutex);
    for (auto& [id, s] : state_->sessions) all.push_back(s);
  }
  for (auto& s : all) {
    asio::post(s->strand, [s] {
      if (s->glasses) s->glasses->close(1001, "Server shutting down");
      for (auto& [package, app] : s->apps)
        if (app.conn) app.conn->close(1001, "Server shutting down");
    });
  }
}

std::string Hub::expect_app(const std::string& user_id, const std::string& package) {
  return state_->allow_app(user_id, package).value_or(std::string());
}

void HubState::revoke_app(const std::string& session_id) {
  std::lock_guard lock(registry_mutex);
  auto it = expected_apps.find(session_id);
  if (it != expected_apps.end()) it->second.revoked = true;
}

uint64_t PendingReplies::open(gh_plugin* plugin, HttpReplyFn fn,
                              std::chrono::steady_clock::time_point deadline) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_++;
  entries_.emplace(id, Entry{plugin, std::move(fn), deadline});
  return id;
}

HttpReplyFn PendingReplies::take(uint64_t id, const gh_plugin* plugin) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || (plugin && it->second.plugin != plugin)) return {};
  HttpReplyFn fn = std::move(it->second.fn);
  entries_.erase(it);
  return fn;
}

std::vector<HttpReplyFn> PendingReplies::take_expired(std::chrono::steady_clock::time_point now) {
  std::vector<HttpReplyFn> out;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.deadline <= now) {
      out.push_back(std::move(it->second.fn));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

bool PendingReplies::pending(uint64_t id) const {
  std::lock_guard lock(mutex_);
  return entries_.count(id) > 0;
}

void Hub::set_http_client(std::shared_ptr<HttpClient> client) {
  state_->http_client = std::move(client);
}

namespace {

HttpOut json_out(uint16_t status, const json& body) {
  return HttpOut{status, "application/json", body.dump()};
}

// One request's data, alive until its handler returns (the gh_http_request points into it).
struct RouteCall {
  GenerationPtr generation;  // keeps the route's plugin loaded until the call is over
  HttpIn in;
  HttpMatch match;
  std::string user_id;
  std::string correlation_id;
  uint64_t reply_id = 0;
};

void run_route(HubState& hub, const RouteCall& c, UserSession* s) {
  const HttpRoute& r = *c.match.route;
  std::vector<gh_str> names, values;
  for (const auto& n : c.match.names) names.push_back({n.data(), n.size()});
  for (const auto& v : c.match.values) values.push_back({v.data(), v.size()});
  auto g = [](const std::string& x) { return gh_str{x.data(), x.size()}; };
  gh_http_request req{};
  req.size = sizeof(gh_http_request);
  req.method = c.in.method;
  req.path = g(c.in.path);
  req.query = g(c.in.query);
  req.body = g(c.in.body);
  req.content_type = g(c.in.content_type);
  req.authorization = g(c.in.authorization);
  req.param_names = names.data();
  req.param_values = values.data();
  req.param_count = names.size();
  req.user_id = g(c.user_id);
  req.user = s ? &s->handle : nullptr;
  req.reply_id = c.reply_id;
  req.correlation_id = g(c.correlation_id);
  gh_status st;
  {
    const CallContext call_ctx{r.plugin, s, c.correlation_id, {}};
    CallScope scope(call_ctx);
    try {
      st = r.fn(r.state, &req);
    } catch (...) {
      st = GH_ERR_INTERNAL;
    }
  }
  r.count.fetch_add(1, std::memory_order_relaxed);
  if (st == GH_OK) return;
  if (r.plugin) r.plugin->errors.fetch_add(1, std::memory_order_relaxed);
  log_line(spdlog::level::err, "route_failed",
           std::string(http_method_name(r.method)) + " " + r.pattern +
               " handler failed with status " + std::to_string(st),
           {.user_id = c.user_id, .correlation_id = c.correlation_id, .plugin = r.owner});
  if (HttpReplyFn fn = hub.replies.take(c.reply_id, nullptr))
    fn(json_out(500, {{"success", false}, {"message", "Internal server error"}}));
}

}  // namespace

bool Hub::serve_http(HttpIn in, HttpReplyFn reply) {
  HubState& hub = *state_;
  GenerationPtr generation = hub.generation();
  auto match = generation->set().http_routes.find(in.method, in.path);
  if (!match) return false;
  // Plugins parse bodies themselves: a body nested past the limit never reaches them.
  if (json_nesting_exceeds(in.body, live_settings.websocket.max_json_depth())) {
    hub.stats.count_rejected("http_nested_too_deeply");
    reply(json_out(400, {{"success", false}, {"message", "Request body is nested too deeply"}}));
    return true;
  }
  auto call = std::make_shared<RouteCall>();
  call->generation = std::move(generation);
  call->match = std::move(*match);
  const HttpRoute& route = *call->match.route;
  if (route.auth == GH_ROUTE_AUTH_USER) {
    std::string_view auth = in.authorization, token;
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
      token = auth.substr(7);
    if (token.empty()) {
      hub.stats.count_rejected("http_auth");
      reply(json_out(401, {{"success", false}, {"error", "Authorization header missing"},
                           {"message", "Authorization header missing"}}));
      return true;
    }
    TokenCheck check = verify_core_token(token, hub.config.auth.jwt_secret);
    if (!check.user_id) {
      hub.stats.count_rejected("http_auth");
      reply(json_out(401, {{"success", false}, {"error", check.error},
                           {"message", check.error}}));
      return true;
    }
    call->user_id = *check.user_id;
  }
  call->correlation_id = std::string(CorrelationId(call->user_id).view());
  call->in = std::move(in);
  call->reply_id = hub.replies.open(
      route.plugin, std::move(reply),
      std::chrono::steady_clock::now() +
          std::chrono::milliseconds(call->generation->config.server.http_reply_timeout_ms));
  std::shared_ptr<UserSession> s;
  if (!call->user_id.empty()) {
    std::lock_guard lock(hub.registry_mutex);
    auto it = hub.sessions.find(call->user_id);
    if (it != hub.sessions.end() && !it->second->disposed) s = it->second;
  }
  if (!s) {
    run_route(hub, *call, nullptr);
    return true;
  }
  asio::post(s->strand, [&hub, s, call] {
    const GenerationScope pin(hub, *s);  // no retirement while the route runs
    run_route(hub, *call, s->disposed ? nullptr : s.get());
  });
  return true;
}

std::optional<std::string> HubState::allow_app(const std::string& user_id,
                                               std::string_view package) {
  if (!store->find_app(package)) return std::nullopt;
  std::string sid = user_id + "-" + std::string(package);
  std::lock_guard lock(registry_mutex);
  expected_apps[sid] = ExpectedApp{user_id, std::string(package), false};
  return sid;
}

}  // namespace glasshub::core
