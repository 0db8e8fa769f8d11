// The timers and limits a live reload changes under running sockets and requests
// (docs/configuration.md, "Live reload"): one set per process, stored by the Hub at start and by
// every applied reload, read where a socket arms a timer, checks a frame or a send, an upgrade is
// admitted or a request is read. Relaxed atomics: a read is one load, no lock and no reference
// count on the hot path; a reader may see one key of a reload before another.
#pragma once

#include <glasshub/core/config.hpp>

#include <atomic>
#include <cstdint>

namespace glasshub::core {

// One configuration value, read lock-free by calling it.
template <class T>
class LiveValue {
 public:
  T operator()() const noexcept { return v_.load(std::memory_order_relaxed); }
  void store(T v) noexcept { v_.store(v, std::memory_order_relaxed); }

 private:
  std::atomic<T> v_{};
};

// The keys of Config with the same names (config.hpp says what each means).
struct LiveSettings {
  struct Server {
    LiveValue<uint32_t> drain_timeout_ms, http_idle_timeout_ms, http_header_limit_bytes;
    LiveValue<uint64_t> http_body_limit_bytes;
    LiveValue<uint32_t> outbound_http_timeout_ms;
    LiveValue<uint64_t> outbound_http_max_body_bytes;
  } server;
  struct WebSocket {
    LiveValue<uint32_t> glasses_heartbeat_interval_ms, pong_timeout_ms;
    LiveValue<bool> pong_timeout_enabled;
    LiveValue<uint32_t> app_ping_interval_ms, close_timeout_ms;
    LiveValue<uint64_t> max_message_bytes;
    LiveValue<uint32_t> max_json_depth;
    LiveValue<uint64_t> send_queue_max_bytes;
    LiveValue<uint32_t> tcp_user_timeout_ms;
  } websocket;
  struct Limits {
    LiveValue<uint32_t> max_connections, max_connections_per_user, new_connections_per_second,
        new_connections_burst, messages_per_second, message_burst;
  } limits;
  struct App {
    LiveValue<uint32_t> session_timeout_ms;  // the host's wait for an app socket's init
  } app;

  LiveSettings() noexcept;  // the defaults, until the Hub stores its configuration

  // Takes every value above from `config`.
  void store(const Config& config) noexcept;
};

// The process's settings (a process runs one Hub at a time).
extern LiveSettings live_settings;

}  // namespace glasshub::core
