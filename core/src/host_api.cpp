// The gh_host_api table: the only way plugins reach the host.
#include "host_api.hpp"

#include <glasshub/core/log.hpp>
#include "hub_state.hpp"
#include "plugin_set.hpp"
#include "user_session.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace glasshub::core {

namespace {

thread_local const CallContext* tl_call = nullptr;

using nlohmann::json;

const json* node(const gh_json* j) noexcept { return reinterpret_cast<const json*>(j); }
const gh_json* handle(const json* j) noexcept { return reinterpret_cast<const gh_json*>(j); }
std::string_view sv(gh_str s) noexcept { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }
gh_str gs(std::string_view s) noexcept { return gh_str{s.data(), s.size()}; }

// A live user handle used from its own serial context, or null.
UserSession* live(gh_user* user) noexcept {
  if (!user || !user->session || !user->session->on_strand()) return nullptr;
  return user->session;
}

// --- registration ---------------------------------------------------------------------------

// One (endpoint, type) claim or observation of the registering plugin; each at most once.
gh_status add_handler(gh_registrar* reg, gh_endpoint ep, gh_str type, gh_plugin_on_message_fn fn,
                      void* state, bool observer) {
  if (!reg || !reg->open) return GH_ERR_WRONG_STATE;
  if (!fn || type.len == 0 || !type.ptr || (ep != GH_ENDPOINT_GLASSES && ep != GH_ENDPOINT_APP))
    return GH_ERR_INVALID_ARGUMENT;
  auto& hs = reg->plugin->handlers;
  std::string t(sv(type));
  if (std::any_of(hs.begin(), hs.end(), [&](const auto& h) {
        return h.endpoint == ep && h.type == t && h.observer == observer;
      }))
    return GH_ERR_INVALID_ARGUMENT;
  hs.push_back({ep, std::move(t), fn, state, observer});
  return GH_OK;
}

gh_status register_handler(gh_registrar* reg, gh_endpoint ep, gh_str type,
                           gh_plugin_on_message_fn fn, void* state) {
  return add_handler(reg, ep, type, fn, state, false);
}

gh_status register_observer(gh_registrar* reg, gh_endpoint ep, gh_str type,
                            gh_plugin_on_message_fn fn, void* state) {
  return add_handler(reg, ep, type, fn, state, true);
}

gh_status register_hooks(gh_registrar* reg, const gh_lifecycle_hooks* hooks, void* state) {
  if (!reg || !reg->open) return GH_ERR_WRONG_STATE;
  if (!hooks || hooks->size < sizeof(size_t)) return GH_ERR_INVALID_ARGUMENT;
  gh_plugin* p = reg->plugin;
  if (p->has_hooks) return GH_ERR_WRONG_STATE;
  p->hooks = gh_lifecycle_hooks{};
  // Copy only what the plugin's version of the struct has.
  std::memcpy(&p->hooks, hooks, std::min(hooks->size, sizeof(gh_lifecycle_hooks)));
  p->hooks.size = sizeof(gh_lifecycle_hooks);
  p->hooks_state = state;
  p->has_hooks = true;
  return GH_OK;
}

gh_status declare_counter(gh_registrar* reg, gh_str name, gh_str help, uint32_t* id) {
  if (!reg || !reg->open) return GH_ERR_WRONG_STATE;
  if (!id || name.len == 0) return GH_ERR_INVALID_ARGUMENT;
  auto& c = reg->plugin->counters.emplace_back();
  c.name = sv(name);
  c.help = sv(help);
  *id = static_cast<uint32_t>(reg->plugin->counters.size() - 1);
  return GH_OK;
}

gh_status declare_histogram(gh_registrar* reg, gh_str name, gh_str help, const double* bounds,
                            size_t n, uint32_t* id) {
  if (!reg || !reg->open) return GH_ERR_WRONG_STATE;
  if (!id || name.len == 0 || (n > 0 && !bounds) || n > 64) return GH_ERR_INVALID_ARGUMENT;
  if (!std::is_sorted(bounds, bounds + n)) return GH_ERR_INVALID_ARGUMENT;
  reg->plugin->histograms.emplace_back(std::string(sv(name)), std::string(sv(help)),
                                       std::vector<double>(bounds, bounds + n));
  *id = static_cast<uint32_t>(reg->plugin->histograms.size() - 1);
  return GH_OK;
}

// --- plugin-wide ------------------------------------------------------------------------------

gh_str plugin_config(gh_plugin* p) {
  if (!p) return gs("{}");
  return gs(p->entry.config_json);
}

const gh_json* plugin_config_root(gh_plugin* p) {
  return p ? handle(&p->config) : nullptr;
}

void log(gh_plugin* p, gh_log_level level, gh_str text) {
  static const spdlog::level::level_enum map[] = {spdlog::level::trace, spdlog::level::debug,
                                                  spdlog::level::info, spdlog::level::warn,
                                                  spdlog::level::err};
  auto lvl = (level >= GH_LOG_TRACE && level <= GH_LOG_ERROR) ? map[level] : spdlog::level::info;
  // The plugin's own level (logging.plugins, /admin/log-levels) wins over the process-wide one;
  // checked before anything is formatted.
  const int own = p ? p->log_level.load(std::memory_order_relaxed) : -1;
  if (own >= 0 ? lvl < own : !log_enabled(lvl)) return;
  LogContext ctx;
  if (const CallContext* c = tl_call) {
    if (c->session) ctx.user_id = c->session->user_id;
    ctx.package_name = c->package_name;
    ctx.correlation_id = c->correlation_id;
  }
  if (p) ctx.plugin = p->name;
  write_log_line(lvl, "plugin_log", sv(text), ctx);
}

void counter_add(gh_plugin* p, uint32_t id, uint64_t delta) {
  if (p && id < p->counters.size()) p->counters[id].value.fetch_add(delta, std::memory_order_relaxed);
}

void histogram_observe(gh_plugin* p, uint32_t id, double v) {
  if (p && id < p->histograms.size()) p->histograms[id].data.observe(v);
}

gh_str current_correlation_id(gh_plugin*) {
  return tl_call ? gs(tl_call->correlation_id) : gs({});
}

// --- JSON view --------------------------------------------------------------------------------

gh_json_kind json_kind(const gh_json* j) {
  const json* n = node(j);
  if (!n) return GH_JSON_ABSENT;
  switch (n->type()) {
    case json::value_t::null: return GH_JSON_NULL;
    case json::value_t::boolean: return GH_JSON_BOOL;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return GH_JSON_NUMBER;
    case json::value_t::string: return GH_JSON_STRING;
    case json::value_t::array: return GH_JSON_ARRAY;
    case json::value_t::object: return GH_JSON_OBJECT;
    default: return GH_JSON_ABSENT;
  }
}

const gh_json* json_get(const gh_json* j, gh_str key) {
  const json* n = node(j);
  if (!n || !n->is_object()) return nullptr;
  auto it = n->find(sv(key));
  return it == n->end() ? nullptr : handle(&*it);
}

size_t json_array_size(const gh_json* j) {
  const json* n = node(j);
  return n && n->is_array() ? n->size() : 0;
}

const gh_json* json_array_at(const gh_json* j, size_t i) {
  const json* n = node(j);
  if (!n || !n->is_array() || i >= n->size()) return nullptr;
  return handle(&(*n)[i]);
}

gh_status json_string(const gh_json* j, gh_str* out) {
  const json* n = node(j);
  if (!n || !n->is_string() || !out) return GH_ERR_INVALID_ARGUMENT;
  const auto& s = n->get_ref<const std::string&>();
  *out = gs(s);
  return GH_OK;
}

gh_status json_number(const gh_json* j, double* out) {
  const json* n = node(j);
  if (!n || !n->is_number() || !out) return GH_ERR_INVALID_ARGUMENT;
  *out = n->get<double>();
  return GH_OK;
}

gh_status json_bool(const gh_json* j, int* out) {
  const json* n = node(j);
  if (!n || !n->is_boolean() || !out) return GH_ERR_INVALID_ARGUMENT;
  *out = n->get<bool>() ? 1 : 0;
  return GH_OK;
}

gh_status json_dump(const gh_json* j, gh_plugin_on_bytes_fn sink, void* state) {
  const json* n = node(j);
  if (!n || !sink) return GH_ERR_INVALID_ARGUMENT;
  std::string s = n->dump(-1, ' ', false, json::error_handler_t::replace);
  sink(state, gs(s));
  return GH_OK;
}

// --- per user ---------------------------------------------------------------------------------

gh_str user_id(gh_user* u) {
  return u && u->session ? gs(u->session->user_id) : gs({});
}

gh_status send_to_glasses(gh_user* u, gh_frame_kind kind, gh_str bytes, gh_delivery d) {
  UserSession* s = live(u);
  return s ? s->send_to_glasses(kind, sv(bytes), d) : GH_ERR_WRONG_STATE;
}

gh_status send_to_app(gh_user* u, gh_str pkg, gh_frame_kind kind, gh_str bytes, gh_delivery d) {
  UserSession* s = live(u);
  return s ? s->send_to_app(sv(pkg), kind, sv(bytes), d) : GH_ERR_WRONG_STATE;
}

gh_status publish(gh_user* u, gh_str stream, gh_str data, gh_delivery d, uint32_t* n) {
  UserSession* s = live(u);
  return s ? s->publish(sv(stream), sv(data), d, n) : GH_ERR_WRONG_STATE;
}

gh_status publish_binary(gh_user* u, gh_str stream, gh_str bytes, gh_delivery d, uint32_t* n) {
  UserSession* s = live(u);
  return s ? s->publish_binary(sv(stream), sv(bytes), d, n) : GH_ERR_WRONG_STATE;
}

gh_status close_connection(gh_user* u, gh_str pkg, uint16_t code, gh_str reason) {
  UserSession* s = live(u);
  return s ? s->close_connection(sv(pkg), code, sv(reason)) : GH_ERR_WRONG_STATE;
}

gh_status timer_start(gh_user* u, uint64_t delay_ms, gh_plugin_on_timer_fn fn, void* state,
                      uint64_t* id) {
  UserSession* s = live(u);
  if (!s) return GH_ERR_WRONG_STATE;
  gh_plugin* p = tl_call ? tl_call->plugin : nullptr;
  if (!p) return GH_ERR_WRONG_STATE;
  return s->timer_start(p, delay_ms, fn, state, id);
}

gh_status timer_cancel(gh_user* u, uint64_t id) {
  UserSession* s = live(u);
  return s ? s->timer_cancel(id) : GH_ERR_WRONG_STATE;
}

gh_status allow_app(gh_user* u, gh_str package, gh_plugin_on_bytes_fn sink, void* state) {
  UserSession* s = live(u);
  if (!s) return GH_ERR_WRONG_STATE;
  return s->allow_app(sv(package), sink, state);
}

// --- key-value --------------------------------------------------------------------------------

constexpr size_t kMaxValue = 1u << 20;

gh_status kv_get(gh_plugin* p, gh_str key, gh_plugin_on_bytes_fn sink, void* state) {
  if (!p || !p->kv || !sink) return GH_ERR_INVALID_ARGUMENT;
  try {
    auto v = p->kv->get(p->name, sv(key));
    if (!v) return GH_ERR_NOT_FOUND;
    sink(state, gs(*v));
    return GH_OK;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

gh_status kv_put(gh_plugin* p, gh_str key, gh_str value) {
  if (!p || !p->kv || key.len == 0 || value.len > kMaxValue) return GH_ERR_INVALID_ARGUMENT;
  try {
    p->kv->put(p->name, sv(key), sv(value));
    return GH_OK;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

gh_status kv_delete(gh_plugin* p, gh_str key) {
  if (!p || !p->kv) return GH_ERR_INVALID_ARGUMENT;
  try {
    return p->kv->erase(p->name, sv(key)) ? GH_OK : GH_ERR_NOT_FOUND;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

// --- 1.1 ------------------------------------------------------------------------------------

gh_status register_route(gh_registrar* reg, gh_http_method method, gh_str pattern,
                         gh_route_auth auth, gh_plugin_on_request_fn fn, void* state) {
  if (!reg || !reg->open) return GH_ERR_WRONG_STATE;
  if (!fn || method < GH_HTTP_GET || method > GH_HTTP_PATCH ||
      (auth != GH_ROUTE_AUTH_NONE && auth != GH_ROUTE_AUTH_USER))
    return GH_ERR_INVALID_ARGUMENT;
  HttpRouteDecl d;
  d.method = method;
  d.pattern = std::string(sv(pattern));
  if (!HttpRouteTable::parse_pattern(d.pattern, d.segments)) return GH_ERR_INVALID_ARGUMENT;
  d.auth = auth;
  d.fn = fn;
  d.state = state;
  HttpRouteTable mine;  // the plugin's own routes must not collide either
  for (const auto& r : reg->plugin->http_routes) mine.add(r, nullptr, "self");
  if (!mine.conflict(d).empty()) return GH_ERR_INVALID_ARGUMENT;
  reg->plugin->http_routes.push_back(std::move(d));
  return GH_OK;
}

gh_status http_respond(gh_plugin* p, uint64_t id, uint16_t status, gh_str content_type,
                       gh_str body) {
  if (!p || !p->hub) return GH_ERR_WRONG_STATE;
  if (status < 100 || status > 599) return GH_ERR_INVALID_ARGUMENT;
  HttpReplyFn fn = p->hub->replies.take(id, p);
  if (!fn) return GH_ERR_NOT_FOUND;
  if (status >= 400 && status < 500) p->hub->stats.count_rejected("http_plugin_4xx");
  HttpOut out;
  out.status = status;
  if (content_type.len) out.content_type = std::string(sv(content_type));
  out.body = std::string(sv(body));
  fn(std::move(out));
  return GH_OK;
}

gh_status http_call(gh_user* u, const gh_http_call* call, gh_plugin_on_http_result_fn fn,
                    void* state, uint64_t* id) {
  UserSession* s = live(u);
  if (!s) return GH_ERR_WRONG_STATE;
  gh_plugin* p = tl_call ? tl_call->plugin : nullptr;
  if (!p) return GH_ERR_WRONG_STATE;
  if (!call || call->size < sizeof(gh_http_call)) return GH_ERR_INVALID_ARGUMENT;
  return s->http_call(p, *call, fn, state, id);
}

nlohmann::json registry_entry(const AppConfig& a) {
  json perms = json::array();
  for (const auto& t : a.permissions) perms.push_back({{"type", t}});
  return {{"packageName", a.package_name}, {"name", a.name.empty() ? a.package_name : a.name},
          {"publicUrl", a.public_url},     {"appType", a.app_type},
          {"permissions", perms},          {"hardwareRequirements", json::array()},
          {"logoUrl", ""},                 {"webviewUrl", ""},
          {"description", ""}};
}

gh_status app_registry_get(gh_plugin* p, gh_str package, gh_plugin_on_bytes_fn sink,
                           void* state) {
  if (!p || !p->hub || !sink) return GH_ERR_INVALID_ARGUMENT;
  try {
    auto app = p->hub->store->find_app(sv(package));
    if (!app) return GH_ERR_NOT_FOUND;
    const std::string text = registry_entry(*app).dump();
    sink(state, gs(text));
    return GH_OK;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

gh_status app_registry_list(gh_plugin* p, gh_plugin_on_bytes_fn sink, void* state) {
  if (!p || !p->hub || !sink) return GH_ERR_INVALID_ARGUMENT;
  try {
    json out = json::array();
    for (const auto& a : p->hub->store->list_apps()) out.push_back(registry_entry(a));
    const std::string text = out.dump();
    sink(state, gs(text));
    return GH_OK;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

gh_status app_release(gh_user* u, gh_str package, uint16_t code, gh_str reason) {
  UserSession* s = live(u);
  return s ? s->app_release(sv(package), code, sv(reason)) : GH_ERR_WRONG_STATE;
}

gh_status broadcast_to_apps(gh_user* u, gh_frame_kind kind, gh_str bytes, gh_delivery d,
                            uint32_t* n) {
  UserSession* s = live(u);
  return s ? s->broadcast_to_apps(kind, sv(bytes), d, n) : GH_ERR_WRONG_STATE;
}

gh_status user_apps(gh_user* u, gh_plugin_on_bytes_fn sink, void* state) {
  UserSession* s = live(u);
  if (!s) return GH_ERR_WRONG_STATE;
  if (!sink) return GH_ERR_INVALID_ARGUMENT;
  const std::string text = s->apps_json();
  sink(state, gs(text));
  return GH_OK;
}

gh_status ack_set_field(gh_ack* ack, gh_str key, gh_str value) {
  if (!ack || key.len == 0) return GH_ERR_INVALID_ARGUMENT;
  const std::string_view k = sv(key);
  if (k == "type" || k == "sessionId" || k == "timestamp") return GH_ERR_REJECTED;
  // Spliced verbatim into what the SDK parses: a malformed value must not reach it.
  if (!json::accept(sv(value))) return GH_ERR_INVALID_ARGUMENT;
  ack->set(std::string(k), std::string(sv(value)));
  return GH_OK;
}

const gh_json* host_settings(gh_plugin* p) {
  return p && p->host_settings ? handle(p->host_settings.get()) : nullptr;
}

gh_status user_data_set(gh_user* u, gh_plugin* p, void* data, void (*free_fn)(void*)) {
  UserSession* s = live(u);
  return s ? s->user_data_set(p, data, free_fn) : GH_ERR_WRONG_STATE;
}

void* user_data_get(gh_user* u, gh_plugin* p) {
  UserSession* s = live(u);
  return s ? s->user_data_get(p) : nullptr;
}

gh_status user_settings_get(gh_plugin* p, gh_str user, gh_plugin_on_bytes_fn sink, void* state) {
  if (!p || !p->hub || !sink || user.len == 0) return GH_ERR_INVALID_ARGUMENT;
  try {
    std::string out = "{";
    for (const auto& [key, value] : p->hub->store->user_settings(sv(user))) {
      if (out.size() > 1) out += ',';
      out += json(key).dump();
      out += ':';
      out += value;
    }
    out += '}';
    sink(state, gs(out));
    return GH_OK;
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
}

gh_status user_settings_update(gh_plugin* p, gh_str user, gh_str patch_json) {
  if (!p || !p->hub || user.len == 0) return GH_ERR_INVALID_ARGUMENT;
  const json patch = json::parse(sv(patch_json), nullptr, false);
  if (!patch.is_object()) return GH_ERR_INVALID_ARGUMENT;
  HubState& hub = *p->hub;
  std::vector<std::pair<std::string, std::optional<std::string>>> rows;
  for (const auto& [key, value] : patch.items()) {
    if (key.empty()) return GH_ERR_INVALID_ARGUMENT;
    rows.emplace_back(key, value.is_null() ? std::nullopt
                                           : std::optional<std::string>(value.dump()));
  }
  std::vector<std::string> changed;
  try {
    changed = hub.store->update_user_settings(sv(user), rows);
  } catch (...) {
    return GH_ERR_INTERNAL;
  }
  if (changed.empty()) return GH_OK;
  json diff = json::object();
  for (const auto& key : changed) diff[key] = patch[key];
  std::shared_ptr<UserSession> s;
  {
    std::lock_guard lock(hub.registry_mutex);
    auto it = hub.sessions.find(std::string(sv(user)));
    if (it != hub.sessions.end() && !it->second->disposed) s = it->second;
  }
  if (s)
    boost::asio::post(s->strand, [&hub, s, text = diff.dump()] {
      if (!s->disposed) run_hooks(hub, *s, Hook::user_settings_changed, text);
    });
  return GH_OK;
}

thread_local int tl_event_depth = 0;

gh_status emit_event(gh_user* u, gh_str topic, gh_str data) {
  UserSession* s = live(u);
  if (!s) return GH_ERR_WRONG_STATE;
  if (topic.len == 0 || !json::accept(sv(data))) return GH_ERR_INVALID_ARGUMENT;
  if (tl_event_depth >= 8) return GH_ERR_REJECTED;  // plugins echoing events at each other
  ++tl_event_depth;
  const std::string t(sv(topic)), d(sv(data));
  run_hooks(s->hub, *s, Hook::plugin_event, t, nullptr, d, tl_call ? tl_call->plugin : nullptr);
  --tl_event_depth;
  return GH_OK;
}

const gh_host_api kTable = {
    sizeof(gh_host_api),
    GLASSHUB_ABI_VERSION_MAJOR,
    GLASSHUB_ABI_VERSION_MINOR,
    register_handler,
    register_hooks,
    declare_counter,
    declare_histogram,
    plugin_config,
    plugin_config_root,
    log,
    counter_add,
    histogram_observe,
    current_correlation_id,
    json_kind,
    json_get,
    json_array_size,
    json_array_at,
    json_string,
    json_number,
    json_bool,
    json_dump,
    user_id,
    send_to_glasses,
    send_to_app,
    publish,
    publish_binary,
    close_connection,
    timer_start,
    timer_cancel,
    allow_app,
    kv_get,
    kv_put,
    kv_delete,
    register_route,
    http_respond,
    http_call,
    app_registry_get,
    app_registry_list,
    app_release,
    broadcast_to_apps,
    user_apps,
    ack_set_field,
    host_settings,
    user_data_set,
    user_data_get,
    user_settings_get,
    user_settings_update,
    emit_event,
    register_observer,
};

}  // namespace

CallScope::CallScope(const CallContext& ctx) noexcept : previous_(tl_call) { tl_call = &ctx; }
CallScope::~CallScope() { tl_call = previous_; }
const CallContext* current_call() noexcept { return tl_call; }
const gh_host_api* host_api() noexcept { return &kTable; }

}  // namespace glasshub::core
