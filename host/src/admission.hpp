// Who may open a WebSocket (limits.* of the configuration): sockets in total, phone sockets per
// user, new upgrades per second. Checked once per upgrade, before the 101.
#pragma once

#include "http_message.hpp"


#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

namespace glasshub::host {

class admission : public std::enable_shared_from_this<admission> {
 public:
  // One admitted socket's share of the limits, given back when it is destroyed (the socket's
  // descriptor is closed then too, so the count is that of descriptors, close handshakes included).
  class ticket {
   public:
    ticket() = default;
    ticket(std::shared_ptr<admission> owner, std::pair<const std::string, uint32_t>* user);
    ticket(ticket&& other) noexcept
        : owner_(std::move(other.owner_)), user_(std::exchange(other.user_, nullptr)) {}
    ticket& operator=(ticket&& other) noexcept;
    ~ticket();

   private:
    void release() noexcept;
    std::shared_ptr<admission> owner_;
    // The user's entry of per_user_ (nodes of an unordered_map stay put); null for app sockets.
    std::pair<const std::string, uint32_t>* user_ = nullptr;
  };

  // Why an upgrade was refused: the HTTP answer, the error code of its body, and the
  // glasshub_connections_rejected_total reason.
  struct refusal {
    http::status status;
    std::string_view code;
    std::string message;
    std::string_view reason;
  };

  // Reads limits.* from core::live_settings at every admission, so a reload applies at once.
  admission();

  // A phone of `user_id`, or an app socket when `user_id` is empty (its user is known only after
  // tpa_connection_init, and a package has one live socket per user anyway). Thread-safe.
  std::variant<ticket, refusal> admit(const std::string& user_id);

  // The refusal as an HTTP answer to `req` (Retry-After set), with `body` as the JSON body.
  static http_response respond(const http_request& req, const refusal& r, std::string body);

 private:
  using clock = std::chrono::steady_clock;

  std::mutex mutex_;
  uint32_t open_ = 0;
  std::unordered_map<std::string, uint32_t> per_user_;
  double tokens_;
  clock::time_point refilled_;
};

}  // namespace glasshub::host
