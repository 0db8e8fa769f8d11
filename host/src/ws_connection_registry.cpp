// ws_connection's registry: every open socket in one intrusive list, so shutdown also reaches
// those the hub does not know (apps before init) and a scrape can sum the send queues.
#include "ws_connection.hpp"

#include <mutex>
#include <vector>

namespace glasshub::host {

namespace {
std::mutex registry_mutex;
ws_connection* registry_head = nullptr;
std::atomic<std::size_t> open_sockets{0};  // the list's length (changed under the lock)
std::optional<std::pair<uint16_t, std::string>> shutting_down;  // set by close_all
}  // namespace

std::optional<std::pair<uint16_t, std::string>> ws_connection::enlist() {
  std::lock_guard lock(registry_mutex);
  listed_ = true;
  listed_prev_ = nullptr;
  listed_next_ = registry_head;
  if (registry_head) registry_head->listed_prev_ = this;
  registry_head = this;
  ++open_sockets;
  return shutting_down;
}

void ws_connection::delist() {
  std::lock_guard lock(registry_mutex);
  if (!listed_) return;
  listed_ = false;
  if (listed_prev_) listed_prev_->listed_next_ = listed_next_;
  else registry_head = listed_next_;
  if (listed_next_) listed_next_->listed_prev_ = listed_prev_;
  listed_prev_ = listed_next_ = nullptr;
  --open_sockets;
}

std::size_t ws_connection::open_count() noexcept { return open_sockets.load(); }

uint64_t ws_connection::queued_bytes_total() {
  uint64_t total = 0;
  std::lock_guard lock(registry_mutex);  // a listed socket is whole: it delists before dying
  for (ws_connection* c = registry_head; c; c = c->listed_next_) {
    std::lock_guard out(c->out_mutex_);
    total += c->queued_locked();
  }
  return total;
}

void ws_connection::close_all(uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<ws_connection>> open;
  {
    std::lock_guard lock(registry_mutex);
    shutting_down.emplace(code, reason);  // sockets accepted from now on are closed at once
    for (ws_connection* c = registry_head; c; c = c->listed_next_)
      if (auto conn = c->weak_from_this().lock()) open.push_back(std::move(conn));
  }
  for (auto& conn : open) conn->close(code, reason);
}

}  // namespace glasshub::host
