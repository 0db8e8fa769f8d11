// The core as the host sees it: sessions, routing and plugins behind a handful of calls.
// host/ owns sockets and calls these; nothing here knows Beast.
#pragma once

#include <glasshub/core/config.hpp>
#include <glasshub/core/connection.hpp>
#include <glasshub/core/http.hpp>

#include <nlohmann/json_fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace glasshub::core {

class UserSession;
class PluginSet;
struct HubState;

// Answer to an app's `tpa_connection_init`.
// Every handler of one user's session runs on its strand.
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

struct AppAccepted {
  std::shared_ptr<UserSession> session;
  std::string package_name;
};
struct AppRefused {
  std::string code;          // tpa_connection_error code, e.g. "INVALID_API_KEY"
  std::string message;       // its message
  uint16_t close_code;       // 1008 (1011 on internal failure; 0: keep the socket open)
  std::string close_reason;  // e.g. "Invalid API key"
};
using AppInitResult = std::variant<AppAccepted, AppRefused>;

// Answer to the phone's token check.
struct AuthResult {
  bool ok = false;
  std::string user_id;  // the `email` claim
  std::string error;    // why not, for the connection_error body
};

class Hub {
 public:
  // Takes ownership of the loaded plugins; `ioc` runs every user's serial context and timer.
  Hub(Config config, std::unique_ptr<PluginSet> plugins, boost::asio::io_context& ioc);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // The configuration as started: what a reload cannot change (docs/configuration.md, "Live
  // reload"). Reloadable timers and limits are read from core::live_settings.
  const Config& config() const noexcept;

  // The strand for a newly accepted socket, shared with other sockets and sessions (a pool, so an
  // idle socket holds no strand of its own). Any thread.
  Strand accept_strand();

  // --- phone socket --------------------------------------------------------------------------
  // Verify the core JWT (HS256, `email` claim, not expired). Any thread.
  AuthResult authenticate_glasses(std::string_view token) const;
  // The strand for a new phone socket of `user_id`: its live session's, or one of the pool that
  // the session glasses_connected creates will run on. A socket on its session's strand hands each
  // frame to the session inline, without a queue hop. Any thread.
  Strand glasses_strand(const std::string& user_id);
  // The phone socket is open: find or create the user's session (on `strand` when created), make
  // `conn` its phone socket (replacing an older one), send `connection_ack`. Any thread.
  std::shared_ptr<UserSession> glasses_connected(const std::string& user_id, ConnectionPtr conn,
                                                 const Strand& strand);
  // A frame from the phone; handled on the user's strand, in arrival order (inline when the
  // caller already runs there).
  void glasses_frame(const std::shared_ptr<UserSession>& session, const ConnectionPtr& conn,
                     std::string_view frame, bool binary);
  // The phone socket closed (`close_code` as for app_closed). Ignored when `conn` was already
  // replaced.
  void glasses_closed(const std::shared_ptr<UserSession>& session, const ConnectionPtr& conn,
                      uint16_t close_code);

  // --- app socket ----------------------------------------------------------------------------
  // The first frame of an app socket. On success `conn` becomes that app's socket and the ack
  // has been queued on it; on failure the caller sends the error frame and, unless
  // close_code is 0 (a message other than tpa_connection_init), closes with it.
  AppInitResult app_init(const ConnectionPtr& conn, std::string_view frame);
  void app_frame(const std::shared_ptr<UserSession>& session, const std::string& package,
                 const ConnectionPtr& conn, std::string frame, bool binary);
  // `close_code` as received (1005 when none, 1006 when the socket dropped).
  void app_closed(const std::shared_ptr<UserSession>& session, const std::string& package,
                  const ConnectionPtr& conn, uint16_t close_code);

  // --- HTTP ----------------------------------------------------------------------------------
  // A request for a plugin route. Returns false (and never calls `reply`) when no route of any
  // plugin matches the method and path; otherwise `reply` runs exactly once, from any thread.
  bool serve_http(HttpIn request, HttpReplyFn reply);
  // The client plugins' outbound calls go through (set once, before traffic).
  void set_http_client(std::shared_ptr<HttpClient> client);

  // --- operations ----------------------------------------------------------------------------
  // `/admin/handlers`: plugins (name, version, abi, path, enabled, errors) and routes.
  nlohmann::json handlers_json() const;
  // `/health` body (protocol.md §12.1); `healthy_out` false means answer 503.
  nlohmann::json health_json(bool* healthy_out) const;
  // What the transport (host/) knows that the core does not, for /metrics.
  struct TransportStats {
    uint64_t send_queue_bytes = 0;   // queued on every open socket now
    uint64_t queue_full_drops = 0;   // droppable frames refused at a socket's byte cap
  };
  // `/metrics` body: Prometheus text exposition format 0.0.4.
  std::string metrics_text(const TransportStats& transport) const;
  // `/admin/log-levels`: {"level": global, "plugins": {name: level}} (only plugins with their own).
  nlohmann::json log_levels_json() const;
  // Applies the JSON body {"level"?: l, "plugins"?: {name: l | null}} (null: back to the global
  // level) at once, or changes nothing and returns why (the 400's message). A plugin's level
  // set here outlives reloads until the file changes that plugin's logging.plugins key.
  std::optional<std::string> set_log_levels(std::string_view body);
  // A frame the transport sends on its own (the phone's JSON ping, an app's refusal before its
  // session exists): counted with the core's own sends.
  bool send_direct(Connection& conn, gh_endpoint to, std::string_view frame, gh_frame_kind kind,
                   gh_delivery delivery);
  // Counts a connection attempt refused before a session existed (bad token, bad path...).
  void count_rejected_connection(std::string_view reason);

  // Close every socket with 1001 (phones reconnect elsewhere; apps end cleanly and come back
  // through a new session_request when the phone returns, protocol.md §10.3). On shutdown.
  void drain();

  // Where reload() reads the configuration (nullopt: defaults and environment) and manifest.
  void set_reload_sources(std::optional<std::string> config_file,
                          std::filesystem::path manifest_file);
  // Live reload (SIGHUP, POST /admin/reload): reads and validates config and manifest, loads
  // new and changed plugins, then swaps the generation without closing a connection.
  // {"ok":true,"changes":[...]} or, with the old generation still serving,
  // {"ok":false,"errors":[...]}. Any thread; reloads run one at a time.
  nlohmann::json reload();

  // Allow `package` to connect its app socket for `user` (what gh_host_api::allow_app does).
  // Returns the session id the app must present, or empty for an unregistered package.
  std::string expect_app(const std::string& user_id, const std::string& package);

 private:
  std::unique_ptr<HubState> state_;
};

}  // namespace glasshub::core
