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
            std::deque<HandlerSlot>* store) noexcept
      : api_(api), plugin_(plugin), reg_(reg), store_(store) {}

  Status on(gh_endpoint endpoint, std::string_view type, Handler handler) {
    store_->push_back(HandlerSlot{std::move(handler), api_, plugin_});
    Status st = api_->register_handler(reg_, endpoint, to_gh(type), &Registrar::trampoline,
                                       &store_->back());
    if (st != GH_OK) store_->pop_back();
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

  const gh_host_api* api_;
  gh_plugin* plugin_;
  gh_registrar* reg_;
  std::deque<HandlerSlot>* store_;
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
      Registrar r(host, plugin, reg, &self->handlers_);
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
    return h;
  }

  const gh_host_api* api_ = nullptr;
  gh_plugin* plugin_ = nullptr;
  std::deque<HandlerSlot> handlers_;  // deque: registered pointers stay stable
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
