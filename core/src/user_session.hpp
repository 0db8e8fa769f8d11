// One user's session: the phone socket, the app sockets, subscriptions and timers. Every field
// below `strand` is touched only on that strand (DESIGN.md decision 4).
#pragma once

#include <glasshub/core/connection.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/sdk.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace glasshub::core {
class UserSession;
struct HubState;
struct Generation;
}  // namespace glasshub::core

// The definition behind the SDK's opaque gh_user.
struct gh_user {
  glasshub::core::UserSession* session;
};

namespace glasshub::core {

struct AppLink {
  ConnectionPtr conn;
  std::string session_id;  // "<userId>-<packageName>", as issued
  std::vector<std::string> subscriptions;
  uint32_t permissions = 0xffffffffu;  // registry permission bits (subscriptions.hpp)
  // The data_stream envelope up to its data for the stream type relayed last, with what it was
  // made of (checked per delivery): made on the first relay, so an idle app holds 8 bytes.
  struct RelayHead {
    std::string session_id;
    std::string stream_type;
    std::string head;
  };
  std::unique_ptr<RelayHead> relay_head;
  std::chrono::steady_clock::time_point connected_at;  // for the subscription grace
  std::unique_ptr<boost::asio::steady_timer> grace_timer;  // running while the socket is gone
};

class UserSession : public std::enable_shared_from_this<UserSession> {
 public:
  UserSession(HubState& hub, std::string user_id, Strand strand);
  ~UserSession();

  HubState& hub;
  const std::string user_id;
  Strand strand;
  gh_user handle{this};

  // --- strand-only state ---
  ConnectionPtr glasses;
  std::map<std::string, AppLink, std::less<>> apps;
  std::unique_ptr<boost::asio::steady_timer> grace_timer;  // phone gone: dispose when it fires
  bool disposed = false;
  std::shared_ptr<const Generation> generation;  // the plugins this user runs (live reload)
  int generation_pins = 0;  // GenerationScopes open: no switch while plugins of it run
  std::atomic<int> pending_attach{0};  // sockets being attached: disposal must wait
  bool dispose_when_attached = false;  // the grace ended during an attach (strand only)

  bool on_strand() const noexcept { return strand.running_in_this_thread(); }

  // Sends one frame to a connected app through deliver() (counted, logged at debug); `type` as
  // for deliver().
  bool to_app(std::string_view package, AppLink& app, std::string_view frame, gh_frame_kind kind,
              gh_delivery delivery, std::string_view type = {});

  // Services behind gh_host_api (strand only).
  gh_status send_to_glasses(gh_frame_kind kind, std::string_view bytes, gh_delivery delivery);
  gh_status send_to_app(std::string_view package, gh_frame_kind kind, std::string_view bytes,
                        gh_delivery delivery);
  gh_status publish(std::string_view stream, std::string_view data_json, gh_delivery delivery,
                    uint32_t* delivered);
  gh_status publish_binary(std::string_view stream, std::string_view bytes,
                           gh_delivery delivery, uint32_t* delivered);
  gh_status close_connection(std::string_view package, uint16_t code, std::string_view reason);
  gh_status timer_start(gh_plugin* plugin, uint64_t delay_ms, gh_plugin_on_timer_fn fn,
                        void* state, uint64_t* id_out);
  gh_status timer_cancel(uint64_t id);
  gh_status allow_app(std::string_view package, gh_plugin_on_bytes_fn sink, void* sink_state);
  gh_status http_call(gh_plugin* plugin, const gh_http_call& call,
                      gh_plugin_on_http_result_fn fn, void* state, uint64_t* id_out);
  gh_status app_release(std::string_view package, uint16_t code, std::string_view reason);
  gh_status broadcast_to_apps(gh_frame_kind kind, std::string_view bytes, gh_delivery delivery,
                              uint32_t* delivered);
  std::string apps_json() const;
  gh_status user_data_set(gh_plugin* plugin, void* data, void (*free_fn)(void*));
  void* user_data_get(gh_plugin* plugin) const;
  // Cancels every timer and outstanding HTTP call (each plugin hears of it once, with a null
  // user), then frees every plugin's user data. On disposal, after the disposed hooks; with
  // `only`, just that plugin's (it is retired by a reload).
  void cancel_all_timers(const gh_plugin* only = nullptr);
  void cancel_all_calls(const gh_plugin* only = nullptr);
  void free_user_data(const gh_plugin* only = nullptr);

 private:
  struct Timer {
    std::unique_ptr<boost::asio::steady_timer> timer;
    gh_plugin* plugin;
    gh_plugin_on_timer_fn fn;
    void* state;
  };
  struct Call {
    gh_plugin* plugin;
    gh_plugin_on_http_result_fn fn;
    void* state;
  };
  struct UserData {
    void* data;
    void (*free_fn)(void*);
  };
  // What plugins keep for this user: made on first use, so an idle user holds none of it.
  struct PluginHeld {
    std::unordered_map<uint64_t, Timer> timers;
    uint64_t next_timer_id = 1;
    std::unordered_map<uint64_t, Call> calls;
    uint64_t next_call_id = 1;
    std::unordered_map<gh_plugin*, UserData> user_data;
  };
  PluginHeld& held();
  std::unique_ptr<PluginHeld> held_;
};


}  // namespace glasshub::core
