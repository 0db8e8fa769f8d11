// glasshub plugin SDK v1 — header-only C++ layer over the C ABI of <glasshub/sdk.h>.
//
// Nothing here crosses the boundary as C++: every call below turns into one gh_host_api entry, and
// every exception thrown by plugin code is caught here and turned into a gh_status.
//
//   class Hello : public glasshub::Plugin {
//     glasshub::Status load(glasshub::Registrar& r) override {
//       r.on(GH_ENDPOINT_GLASSES, "hello", [](const glasshub::Message& m) {
//         return m.user().send_to_glasses(R"({"type":"hello_back"})");
//       });
//       return GH_OK;
//     }
//   };
//   GLASSHUB_PLUGIN(Hello, "hello", "1.0.0", "answers hello")
#ifndef GLASSHUB_SDK_HPP
#define GLASSHUB_SDK_HPP

#include <glasshub/sdk.h>

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace glasshub {

using Status = gh_status;

inline gh_str to_gh(std::string_view s) noexcept { return gh_str{s.data(), s.size()}; }
inline std::string_view to_sv(gh_str s) noexcept {
  return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

// A node of the parsed message. Borrowed: valid only during the handler call.
class Json {
 public:
  Json(const gh_host_api* api, const gh_json* node) noexcept : api_(api), node_(node) {}

  gh_json_kind kind() const noexcept { return node_ ? api_->json_kind(node_) : GH_JSON_ABSENT; }
  bool exists() const noexcept { return kind() != GH_JSON_ABSENT; }
  bool is_string() const noexcept { return kind() == GH_JSON_STRING; }
  bool is_number() const noexcept { return kind() == GH_JSON_NUMBER; }
  bool is_bool() const noexcept { return kind() == GH_JSON_BOOL; }
  bool is_object() const noexcept { return kind() == GH_JSON_OBJECT; }
  bool is_array() const noexcept { return kind() == GH_JSON_ARRAY; }

  Json operator[](std::string_view key) const noexcept {
    return Json(api_, node_ ? api_->json_get(node_, to_gh(key)) : nullptr);
  }
  Json at(size_t i) const noexcept {
    return Json(api_, node_ ? api_->json_array_at(node_, i) : nullptr);
  }
  size_t size() const noexcept { return node_ ? api_->json_array_size(node_) : 0; }

  std::optional<std::string_view> string() const noexcept {
    gh_str s{};
    if (!node_ || api_->json_string(node_, &s) != GH_OK) return std::nullopt;
    return to_sv(s);
  }
  std::optional<double> number() const noexcept {
    double d = 0;
    if (!node_ || api_->json_number(node_, &d) != GH_OK) return std::nullopt;
    return d;
  }
  std::optional<bool> boolean() const noexcept {
    int b = 0;
    if (!node_ || api_->json_bool(node_, &b) != GH_OK) return std::nullopt;
    return b != 0;
  }
  std::string_view string_or(std::string_view fallback) const noexcept {
    return string().value_or(fallback);
  }
  // Compact serialization of this node (allocates; not for the hot path).
  std::string dump() const {
    std::string out;
    if (node_) {
      api_->json_dump(
          node_, [](void* st, gh_str b) { static_cast<std::string*>(st)->append(b.ptr, b.len); },
          &out);
    }
    return out;
  }

 private:
  const gh_host_api* api_;
  const gh_json* node_;
};

class User;
using TimerCallback = std::function<void(User&)>;

// What an outbound call got (1.1). Borrowed: valid only during the callback.
struct HttpResult {
  uint16_t status = 0;  // 0: no response, see error
  std::string_view body;
  std::string_view error;
  bool ok() const noexcept { return status >= 200 && status < 300; }
};
using HttpCallback = std::function<void(User&, const HttpResult&)>;

// One user session. Borrowed: valid only during the callback that received it.
class User {
 public:
  User(const gh_host_api* api, gh_user* user) noexcept : api_(api), user_(user) {}

  std::string_view id() const noexcept { return to_sv(api_->user_id(user_)); }
  gh_user* handle() const noexcept { return user_; }

  Status send_to_glasses(std::string_view bytes, gh_frame_kind kind = GH_FRAME_TEXT,
                         gh_delivery delivery = GH_DELIVERY_RELIABLE) const noexcept {
    return api_->send_to_glasses(user_, kind, to_gh(bytes), delivery);
  }
  Status send_to_app(std::string_view package, std::string_view bytes,
                     gh_frame_kind kind = GH_FRAME_TEXT,
                     gh_delivery delivery = GH_DELIVERY_RELIABLE) const noexcept {
    return api_->send_to_app(user_, to_gh(package), kind, to_gh(bytes), delivery);
  }
  // Returns the number of apps reached, or the error.
  Status publish(std::string_view stream, std::string_view data_json,
                 gh_delivery delivery = GH_DELIVERY_RELIABLE,
                 uint32_t* delivered = nullptr) const noexcept {
    return api_->publish(user_, to_gh(stream), to_gh(data_json), delivery, delivered);
  }
  Status publish_binary(std::string_view stream, std::string_view bytes,
                        gh_delivery delivery = GH_DELIVERY_DROPPABLE,
                        uint32_t* delivered = nullptr) const noexcept {
    return api_->publish_binary(user_, to_gh(stream), to_gh(bytes), delivery, delivered);
  }
  // Empty package closes the phone socket.
  Status close(std::string_view package, uint16_t code, std::string_view reason) const noexcept {
    return api_->close_connection(user_, to_gh(package), code, to_gh(reason));
  }
  // Runs `cb` on this user's serial context after `delay_ms`, unless cancelled first.
  Status start_timer(uint64_t delay_ms, TimerCallback cb, uint64_t* timer_id = nullptr) const {
    auto* state = new TimerCallback(std::move(cb));
    uint64_t id = 0;
    Status st = api_->timer_start(user_, delay_ms, &User::on_timer, state, &id);
    if (st != GH_OK) delete state;
    if (timer_id) *timer_id = id;
    return st;
  }
  Status cancel_timer(uint64_t timer_id) const noexcept {
    return api_->timer_cancel(user_, timer_id);
  }
  // Outbound HTTP without blocking (1.1). `cb` runs once on this user's serial context with the
  // result; it is dropped unrun when the session ends first.
  Status http(gh_http_method method, std::string_view url, std::string_view body,
              HttpCallback cb, std::string_view content_type = "application/json",
              uint32_t timeout_ms = 0, std::string_view extra_headers = {}) const {
    gh_http_call call{};
    call.size = sizeof(gh_http_call);
    call.method = method;
    call.url = to_gh(url);
    call.content_type = to_gh(content_type);
    call.body = to_gh(body);
    call.extra_headers = to_gh(extra_headers);
    call.timeout_ms = timeout_ms;
    auto* state = new HttpCallback(std::move(cb));
    Status st = api_->http_call(user_, &call, &User::on_http, state, nullptr);
    if (st != GH_OK) delete state;
    return st;
  }
  // The app leaves this session: subscriptions dropped, session id revoked, socket closed with
  // `code` (0: left open). See gh_host_api::app_release.
  Status release_app(std::string_view package, uint16_t code = 0,
                     std::string_view reason = {}) const noexcept {
    return api_->app_release(user_, to_gh(package), code, to_gh(reason));
  }
  // One frame to every connected app of the user.
  Status broadcast_to_apps(std::string_view bytes, gh_delivery delivery = GH_DELIVERY_RELIABLE,
                           uint32_t* delivered = nullptr) const noexcept {
    return api_->broadcast_to_apps(user_, GH_FRAME_TEXT, to_gh(bytes), delivery, delivered);
  }
  // Other plugins' on_plugin_event hooks run now with `topic` and `data_json` (a JSON value).
  Status emit(std::string_view topic, std::string_view data_json = "null") const noexcept {
    return api_->emit_event(user_, to_gh(topic), to_gh(data_json));
  }
  // [{"packageName","connected","subscriptions":[...]}] for this session.
  std::string apps_json() const {
    std::string out;
    api_->user_apps(
        user_, [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); },
        &out);
    return out;
  }

  // Lets `package` connect its app socket for this user; returns the session id it must send.
  std::optional<std::string> allow_app(std::string_view package) const {
    std::string sid;
    Status st = api_->allow_app(
        user_, to_gh(package),
        [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); }, &sid);
    if (st != GH_OK) return std::nullopt;
    return sid;
  }

 private:
  static void on_http(void* state, gh_user* user, const gh_http_result* r) noexcept {
    std::unique_ptr<HttpCallback> cb(static_cast<HttpCallback*>(state));
    if (!user || !r) return;  // abandoned: only free the state
    try {
      User u(current_api(), user);
      HttpResult res{r->status, to_sv(r->body), to_sv(r->error)};
      (*cb)(u, res);
    } catch (...) {
    }
  }
  static void on_timer(void* state, gh_user* user, uint64_t) noexcept {
    std::unique_ptr<TimerCallback> cb(static_cast<TimerCallback*>(state));
    if (!user) return;  // cancelled: only free the state
    // The api pointer is not carried in the timer; the Plugin base publishes it for its thread.
    try {
      User u(current_api(), user);
      (*cb)(u);
    } catch (...) {
    }
  }

 public:
  // Set by GLASSHUB_PLUGIN's on_load; one host per process.
  static const gh_host_api*& current_api() noexcept {
    static const gh_host_api* api = nullptr;
    return api;
  }

 private:
  const gh_host_api* api_;
  gh_user* user_;
};

// One received frame. Borrowed: valid only during the handler call.
class Message {
 public:
  Message(const gh_host_api* api, const gh_message* m) noexcept : api_(api), m_(m) {}

  gh_endpoint endpoint() const noexcept { return m_->endpoint; }
  bool is_binary() const noexcept { return m_->kind == GH_FRAME_BINARY; }
  std::string_view type() const noexcept { return to_sv(m_->type); }
  std::string_view raw() const noexcept { return to_sv(m_->raw); }
  Json json() const noexcept { return Json(api_, m_->root); }
  Json operator[](std::string_view key) const noexcept { return json()[key]; }
  User user() const noexcept { return User(api_, m_->user); }
  std::string_view user_id() const noexcept { return to_sv(m_->user_id); }
  std::string_view package_name() const noexcept { return to_sv(m_->package_name); }
  std::string_view correlation_id() const noexcept { return to_sv(m_->correlation_id); }
  const gh_message* c_message() const noexcept { return m_; }

 private:
  const gh_host_api* api_;
  const gh_message* m_;
};

// A way to answer one route request, later and from any thread (1.1). Copyable.
class Reply {
 public:
  Reply() = default;
  Reply(const gh_host_api* api, gh_plugin* plugin, uint64_t id) noexcept
      : api_(api), plugin_(plugin), id_(id) {}
  // `content_type` empty: application/json. GH_ERR_NOT_FOUND when already answered.
  Status send(uint16_t status, std::string_view body,
              std::string_view content_type = {}) const noexcept {
    if (!api_) return GH_ERR_WRONG_STATE;
    return api_->http_respond(plugin_, id_, status, to_gh(content_type), to_gh(body));
  }
  uint64_t id() const noexcept { return id_; }

 private:
  const gh_host_api* api_ = nullptr;
  gh_plugin* plugin_ = nullptr;
  uint64_t id_ = 0;
};

// One HTTP request to a plugin route (1.1). Borrowed: valid only during the handler call.
class Request {
 public:
  Request(const gh_host_api* api, gh_plugin* plugin, const gh_http_request* r) noexcept
      : api_(api), plugin_(plugin), r_(r) {}

  gh_http_method method() const noexcept { return r_->method; }
  std::string_view path() const noexcept { return to_sv(r_->path); }
  std::string_view query() const noexcept { return to_sv(r_->query); }
  std::string_view body() const noexcept { return to_sv(r_->body); }
  std::string_view content_type() const noexcept { return to_sv(r_->content_type); }
  std::string_view authorization() const noexcept { return to_sv(r_->authorization); }
  // The value of the pattern's ":name" segment (empty when the pattern has none).
  std::string_view param(std::string_view name) const noexcept {
    for (size_t i = 0; i < r_->param_count; ++i)
      if (to_sv(r_->param_names[i]) == name) return to_sv(r_->param_values[i]);
    return {};
  }
  std::string_view user_id() const noexcept { return to_sv(r_->user_id); }
  bool has_session() const noexcept { return r_->user != nullptr; }
  User user() const noexcept { return User(api_, r_->user); }
  std::string_view correlation_id() const noexcept { return to_sv(r_->correlation_id); }
  Reply reply() const noexcept { return Reply(api_, plugin_, r_->reply_id); }
  Status respond(uint16_t status, std::string_view body,
                 std::string_view content_type = {}) const noexcept {
    return reply().send(status, body, content_type);
  }

 private:
  const gh_host_api* api_;
  gh_plugin* plugin_;
  const gh_http_request* r_;
};

// The tpa_connection_ack being built (1.1). Borrowed: valid only during on_app_ack.
class Ack {
 public:
  Ack(const gh_host_api* api, gh_ack* ack) noexcept : api_(api), ack_(ack) {}
  Status set(std::string_view key, std::string_view json_value) const noexcept {
    return api_->ack_set_field(ack_, to_gh(key), to_gh(json_value));
  }

 private:
  const gh_host_api* api_;
  gh_ack* ack_;
};

using RouteHandler = std::function<Status(const Request&)>;

struct RouteSlot {
  RouteHandler fn;
  const gh_host_api* api;
  gh_plugin* plugin;
};

using Handler = std::function<Status(const Message&)>;

// A registered handler with what its trampoline needs; plugin-owned, stable address.
struct HandlerSlot {
  Handler fn;
  const gh_host_api* api;
  gh_plugin* plugin;
};

class Plugin;

// Metric handles, declared at load and used by id from any thread.
class Counter {
 public:
  Counter() = default;
  Counter(const gh_host_api* api, gh_plugin* p, uint32_t id) : api_(api), plugin_(p), id_(id) {}
  void add(uint64_t delta = 1) const noexcept {
    if (api_) api_->counter_add(plugin_, id_, delta);
  }

 private:
  const gh_host_api* api_ = nullptr;
  gh_plugin* plugin_ = nullptr;
  uint32_t id_ = 0;
};

class Histogram {
 public:
  Histogram() = default;
  Histogram(const gh_host_api* api, gh_plugin* p, uint32_t id) : api_(api), plugin_(p), id_(id) {}
  void observe(double v) const noexcept {
    if (api_) api_->histogram_observe(plugin_, id_, v);
  }

 private:
  const gh_host_api* api_ = nullptr;
  gh_plugin* plugin_ = nullptr;
  uint32_t id_ = 0;
};

// The registration window; exists only during Plugin::load.
class Registrar {
 public:
  Registrar(const gh_host_api* api, gh_plugin* plugin, gh_registrar* reg,
            std::deque<HandlerSlot>* store, std::deque<RouteSlot>* routes) noexcept
      : api_(api), plugin_(plugin), reg_(reg), store_(store), routes_(routes) {}

  Status on(gh_endpoint endpoint, std::string_view type, Handler handler) {
    store_->push_back(HandlerSlot{std::move(handler), api_, plugin_});
    Status st = api_->register_handler(reg_, endpoint, to_gh(type), &Registrar::trampoline,
                                       &store_->back());
    if (st != GH_OK) store_->pop_back();
    return st;
  }
  // See every (endpoint, type) message after its owner, without owning the type (1.1).
  Status observe(gh_endpoint endpoint, std::string_view type, Handler handler) {
    store_->push_back(HandlerSlot{std::move(handler), api_, plugin_});
    Status st = api_->register_observer(reg_, endpoint, to_gh(type), &Registrar::trampoline,
                                        &store_->back());
    if (st != GH_OK) store_->pop_back();
    return st;
  }
  // Serve `method` on `pattern` (e.g. "/apps/:packageName/start"), 1.1.
  Status route(gh_http_method method, std::string_view pattern, gh_route_auth auth,
               RouteHandler handler) {
    routes_->push_back(RouteSlot{std::move(handler), api_, plugin_});
    Status st = api_->register_route(reg_, method, to_gh(pattern), auth,
                                     &Registrar::route_trampoline, &routes_->back());
    if (st != GH_OK) routes_->pop_back();
    return st;
  }
  Counter counter(std::string_view name, std::string_view help) {
    uint32_t id = 0;
    if (api_->declare_counter(reg_, to_gh(name), to_gh(help), &id) != GH_OK) return {};
    return Counter(api_, plugin_, id);
  }
  Histogram histogram(std::string_view name, std::string_view help, const double* bounds,
                      size_t count) {
    uint32_t id = 0;
    if (api_->declare_histogram(reg_, to_gh(name), to_gh(help), bounds, count, &id) != GH_OK)
      return {};
    return Histogram(api_, plugin_, id);
  }
  // The plugin's "config" object from the manifest, as JSON text.
  std::string_view config() const noexcept { return to_sv(api_->plugin_config(plugin_)); }
  // The same config, parsed (valid while the plugin is loaded).
  Json config_json() const noexcept { return Json(api_, api_->plugin_config_root(plugin_)); }
  gh_registrar* handle() const noexcept { return reg_; }

 private:
  static gh_status trampoline(void* state, const gh_message* m) noexcept;
  static gh_status route_trampoline(void* state, const gh_http_request* r) noexcept;

  const gh_host_api* api_;
  gh_plugin* plugin_;
  gh_registrar* reg_;
  std::deque<HandlerSlot>* store_;
  std::deque<RouteSlot>* routes_;
};

// Base class of a C++ plugin. Override load() and any lifecycle hook.
class Plugin {
 public:
  virtual ~Plugin() = default;

  // Register handlers and metrics, read config. Return GH_ERR_REJECTED to refuse loading.
  virtual Status load(Registrar& registrar) = 0;

  virtual void on_user_session_created(User&) {}
  virtual void on_user_session_disposed(User&) {}
  virtual void on_glasses_connected(User&) {}
  virtual void on_glasses_disconnected(User&) {}
  virtual void on_app_connected(User&, std::string_view /*package*/) {}
  virtual void on_app_disconnected(User&, std::string_view /*package*/) {}
  // 1.1 hooks (see gh_lifecycle_hooks).
  virtual void on_app_ack(User&, std::string_view /*package*/, Ack&) {}
  virtual void on_subscriptions_changed(User&, std::string_view /*package*/) {}
  virtual void on_app_grace_expired(User&, std::string_view /*package*/) {}
  virtual void on_user_settings_changed(User&, std::string_view /*changed_json*/) {}
  virtual void on_plugin_event(User&, std::string_view /*topic*/, std::string_view /*data*/) {}

  // The user's settings as a JSON object ("{}" when none). Any thread.
  std::string user_settings(std::string_view user_id) const {
    std::string out = "{}";
    api_->user_settings_get(
        plugin_, to_gh(user_id),
        [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); }, &out);
    return out;
  }
  // Merge `patch_json` (null deletes) into the user's settings. Any thread.
  Status update_user_settings(std::string_view user_id, std::string_view patch_json) const {
    return api_->user_settings_update(plugin_, to_gh(user_id), to_gh(patch_json));
  }

  // The app registry entry of `package` as a JSON object, or nothing for an unknown package.
  std::optional<std::string> app_registry(std::string_view package) const {
    std::string out;
    Status st = api_->app_registry_get(
        plugin_, to_gh(package),
        [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); }, &out);
    if (st != GH_OK) return std::nullopt;
    return out;
  }
  // Every registry entry, as a JSON array.
  std::string app_registry_list() const {
    std::string out = "[]";
    api_->app_registry_list(
        plugin_, [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); }, &out);
    return out;
  }
  // This plugin's state for `user` (1.1): created on first use, freed when the session ends.
  // Only on the user's serial context, so it needs no lock.
  template <class T>
  T& user_state(const User& user) const {
    if (void* p = api_->user_data_get(user.handle(), plugin_)) return *static_cast<T*>(p);
    auto owned = std::make_unique<T>();
    if (api_->user_data_set(user.handle(), plugin_, owned.get(),
                            [](void* d) { delete static_cast<T*>(d); }) != GH_OK)
      throw std::runtime_error("user_state outside the user's serial context");
    return *owned.release();
  }
  // Host settings plugins may need (see gh_host_api::host_settings).
  Json host_settings() const noexcept { return Json(api_, api_->host_settings(plugin_)); }

  void log(gh_log_level level, std::string_view text) const noexcept {
    api_->log(plugin_, level, to_gh(text));
  }
  std::string_view correlation_id() const noexcept {
    return to_sv(api_->current_correlation_id(plugin_));
  }
  std::optional<std::string> kv_get(std::string_view key) const {
    std::string out;
    Status st = api_->kv_get(
        plugin_, to_gh(key),
        [](void* s, gh_str b) { static_cast<std::string*>(s)->assign(b.ptr, b.len); }, &out);
    if (st != GH_OK) return std::nullopt;
    return out;
  }
  Status kv_put(std::string_view key, std::string_view value) const noexcept {
    return api_->kv_put(plugin_, to_gh(key), to_gh(value));
  }
  Status kv_delete(std::string_view key) const noexcept {
    return api_->kv_delete(plugin_, to_gh(key));
  }
  const gh_host_api* api() const noexcept { return api_; }
  gh_plugin* handle() const noexcept { return plugin_; }

  // --- glue used by GLASSHUB_PLUGIN; not for plugin authors ----------------------------------
  template <class T>
  static gh_status c_on_load(const gh_host_api* host, gh_plugin* plugin, gh_registrar* reg,
                             void** state) noexcept {
    try {
      User::current_api() = host;
      auto self = std::make_unique<T>();
      self->api_ = host;
      self->plugin_ = plugin;
      Registrar r(host, plugin, reg, &self->handlers_, &self->routes_);
      static const gh_lifecycle_hooks hooks = make_hooks();
      gh_status st = host->register_hooks(reg, &hooks, self.get());
      if (st != GH_OK) return st;
      st = self->load(r);
      if (st != GH_OK) return st;
      *state = self.release();
      return GH_OK;
    } catch (const std::exception& e) {
      host->log(plugin, GH_LOG_ERROR, to_gh(std::string("load failed: ") + e.what()));
      return GH_ERR_INTERNAL;
    } catch (...) {
      return GH_ERR_INTERNAL;
    }
  }
  static void c_on_unload(void* state) noexcept { delete static_cast<Plugin*>(state); }

 private:
  template <class F>
  static void guarded(void* st, gh_user* u, F&& f) noexcept {
    auto* self = static_cast<Plugin*>(st);
    try {
      User user(self->api_, u);
      f(*self, user);
    } catch (const std::exception& e) {
      self->log(GH_LOG_ERROR, std::string("lifecycle hook threw: ") + e.what());
    } catch (...) {
      self->log(GH_LOG_ERROR, "lifecycle hook threw");
    }
  }
  static gh_lifecycle_hooks make_hooks() noexcept {
    gh_lifecycle_hooks h{};
    h.size = sizeof(gh_lifecycle_hooks);
    h.on_user_session_created = [](void* s, gh_user* u) {
      guarded(s, u, [](Plugin& p, User& user) { p.on_user_session_created(user); });
    };
    h.on_user_session_disposed = [](void* s, gh_user* u) {
      guarded(s, u, [](Plugin& p, User& user) { p.on_user_session_disposed(user); });
    };
    h.on_glasses_connected = [](void* s, gh_user* u) {
      guarded(s, u, [](Plugin& p, User& user) { p.on_glasses_connected(user); });
    };
    h.on_glasses_disconnected = [](void* s, gh_user* u) {
      guarded(s, u, [](Plugin& p, User& user) { p.on_glasses_disconnected(user); });
    };
    h.on_app_connected = [](void* s, gh_user* u, gh_str pkg) {
      guarded(s, u, [pkg](Plugin& p, User& user) { p.on_app_connected(user, to_sv(pkg)); });
    };
    h.on_app_disconnected = [](void* s, gh_user* u, gh_str pkg) {
      guarded(s, u, [pkg](Plugin& p, User& user) { p.on_app_disconnected(user, to_sv(pkg)); });
    };
    h.on_app_ack = [](void* s, gh_user* u, gh_str pkg, gh_ack* ack) {
      guarded(s, u, [pkg, ack](Plugin& p, User& user) {
        Ack a(p.api_, ack);
        p.on_app_ack(user, to_sv(pkg), a);
      });
    };
    h.on_subscriptions_changed = [](void* s, gh_user* u, gh_str pkg) {
      guarded(s, u,
              [pkg](Plugin& p, User& user) { p.on_subscriptions_changed(user, to_sv(pkg)); });
    };
    h.on_app_grace_expired = [](void* s, gh_user* u, gh_str pkg) {
      guarded(s, u, [pkg](Plugin& p, User& user) { p.on_app_grace_expired(user, to_sv(pkg)); });
    };
    h.on_user_settings_changed = [](void* s, gh_user* u, gh_str changed) {
      guarded(s, u, [changed](Plugin& p, User& user) {
        p.on_user_settings_changed(user, to_sv(changed));
      });
    };
    h.on_plugin_event = [](void* s, gh_user* u, gh_str topic, gh_str data) {
      guarded(s, u, [topic, data](Plugin& p, User& user) {
        p.on_plugin_event(user, to_sv(topic), to_sv(data));
      });
    };
    return h;
  }

  const gh_host_api* api_ = nullptr;
  gh_plugin* plugin_ = nullptr;
  std::deque<HandlerSlot> handlers_;  // deque: registered pointers stay stable
  std::deque<RouteSlot> routes_;
};

inline gh_status Registrar::trampoline(void* state, const gh_message* m) noexcept {
  // Exceptions stop here: the host sees a status, logs it with the correlation id and counts it.
  auto* slot = static_cast<HandlerSlot*>(state);
  try {
    return slot->fn(Message(slot->api, m));
  } catch (const std::exception& e) {
    slot->api->log(slot->plugin, GH_LOG_ERROR, to_gh(std::string("handler threw: ") + e.what()));
    return GH_ERR_INTERNAL;
  } catch (...) {
    slot->api->log(slot->plugin, GH_LOG_ERROR, to_gh("handler threw a non-standard exception"));
    return GH_ERR_INTERNAL;
  }
}

inline gh_status Registrar::route_trampoline(void* state,
                                             const gh_http_request* r) noexcept {
  auto* slot = static_cast<RouteSlot*>(state);
  try {
    return slot->fn(Request(slot->api, slot->plugin, r));
  } catch (const std::exception& e) {
    slot->api->log(slot->plugin, GH_LOG_ERROR, to_gh(std::string("route threw: ") + e.what()));
    return GH_ERR_INTERNAL;
  } catch (...) {
    slot->api->log(slot->plugin, GH_LOG_ERROR, to_gh("route threw a non-standard exception"));
    return GH_ERR_INTERNAL;
  }
}

}  // namespace glasshub

// Defines the plugin's entry point for class T (default-constructible, derived from Plugin).
#define GLASSHUB_PLUGIN(T, NAME, VERSION, DESCRIPTION)                                  \
  extern "C" GLASSHUB_EXPORT gh_plugin_info glasshub_plugin_entry(void) {               \
    gh_plugin_info info;                                                                \
    info.abi_major = GLASSHUB_ABI_VERSION_MAJOR;                                        \
    info.abi_minor = GLASSHUB_ABI_VERSION_MINOR;                                        \
    info.name = NAME;                                                                   \
    info.version = VERSION;                                                             \
    info.description = DESCRIPTION;                                                     \
    info.on_load = &::glasshub::Plugin::c_on_load<T>;                                   \
    info.on_unload = &::glasshub::Plugin::c_on_unload;                                  \
    return info;                                                                        \
  }

#endif  // GLASSHUB_SDK_HPP
