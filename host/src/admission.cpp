#include "admission.hpp"

#include <glasshub/core/live_settings.hpp>

#include <algorithm>
#include <utility>

namespace glasshub::host {

admission::ticket::ticket(std::shared_ptr<admission> owner,
                          std::pair<const std::string, uint32_t>* user)
    : owner_(std::move(owner)), user_(user) {}

admission::ticket& admission::ticket::operator=(ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    user_ = std::exchange(other.user_, nullptr);
  }
  return *this;
}

admission::ticket::~ticket() { release(); }

void admission::ticket::release() noexcept {
  if (!owner_) return;
  // Declared before the lock: when this is the last owner, the admission (and its mutex) goes
  // only after the unlock (found by TSan: the listener's share went first at shutdown).
  const std::shared_ptr<admission> owner = std::move(owner_);
  std::lock_guard lock(owner->mutex_);
  --owner->open_;
  if (user_ && --user_->second == 0) owner->per_user_.erase(owner->per_user_.find(user_->first));
}

admission::admission()
    : tokens_(core::live_settings.limits.new_connections_burst()), refilled_(clock::now()) {}

std::variant<admission::ticket, admission::refusal> admission::admit(const std::string& user_id) {
  const auto& limits = core::live_settings.limits;
  const uint32_t max_connections = limits.max_connections();
  const uint32_t per_user = limits.max_connections_per_user();
  const uint32_t per_second = limits.new_connections_per_second();
  std::lock_guard lock(mutex_);
  if (max_connections != 0 && open_ >= max_connections)
    return refusal{http::status::service_unavailable, "SERVER_FULL",
                   "Server is at its connection limit (" + std::to_string(max_connections) +
                       "); try again later",
                   "connection_limit"};
  // Counted even while the limit is off, so a reload that sets one counts every open socket.
  auto* user = user_id.empty() ? nullptr : &*per_user_.try_emplace(user_id, 0).first;
  uint32_t* user_open = user ? &user->second : nullptr;
  if (user_open && per_user != 0 && *user_open >= per_user)
    return refusal{http::status::too_many_requests, "TOO_MANY_CONNECTIONS",
                   "Too many connections for this user (limit " + std::to_string(per_user) + ")",
                   "user_connection_limit"};
  if (per_second != 0) {
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    refilled_ = now;
    tokens_ = std::min<double>(limits.new_connections_burst(), tokens_ + elapsed * per_second);
    if (tokens_ < 1) {
      if (user_open && *user_open == 0) per_user_.erase(user_id);
      return refusal{http::status::too_many_requests, "RATE_LIMITED",
                     "Too many new connections (limit " + std::to_string(per_second) +
                         " per second); try again later",
                     "connection_rate"};
    }
    tokens_ -= 1;
  }
  ++open_;
  if (user_open) ++*user_open;
  return ticket(shared_from_this(), user);
}

http_response admission::respond(const http_request& req, const refusal& r, std::string body) {
  http_response res = make_response(req, r.status, "application/json", std::move(body));
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace glasshub::host
