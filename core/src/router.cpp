#include "router.hpp"

#include <atomic>

namespace glasshub::core {

namespace {
std::atomic<uint64_t> next_router_serial{1};
uint64_t new_serial() noexcept { return next_router_serial.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

Router::Router() : serial_(new_serial()) {}

bool Router::unhandled(gh_endpoint endpoint, std::string_view type) const noexcept {
  struct last_answer {
    uint64_t serial = 0;
    gh_endpoint endpoint{};
    short_name type;
    bool unhandled = false;
  };
  thread_local last_answer last;
  if (last.serial == serial_ && last.endpoint == endpoint && last.type.is(type))
    return last.unhandled;
  const bool answer = !find(endpoint, type) && !observers(endpoint, type);
  if (last.type.keep(type)) {
    last.serial = serial_;
    last.endpoint = endpoint;
    last.unhandled = answer;
  }
  return answer;
}

std::string Router::add(gh_endpoint endpoint, std::string type, gh_plugin* plugin,
                        gh_plugin_on_message_fn fn, void* state, std::string owner) {
  Table& t = tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  auto it = t.find(type);
  if (it != t.end()) return it->second.owner;
  serial_ = new_serial();
  auto& r = t[std::move(type)];
  r.plugin = plugin;
  r.fn = fn;
  r.state = state;
  r.owner = std::move(owner);
  return {};
}

void Router::add_observer(gh_endpoint endpoint, std::string type, Observer observer) {
  serial_ = new_serial();
  observers_[endpoint == GH_ENDPOINT_APP ? 1 : 0][std::move(type)].push_back(std::move(observer));
}

void Router::mark_disabled(gh_endpoint endpoint, std::string type) {
  disabled_[endpoint == GH_ENDPOINT_APP ? 1 : 0].insert(std::move(type));
}

bool Router::is_disabled(gh_endpoint endpoint, std::string_view type) const {
  return disabled_[endpoint == GH_ENDPOINT_APP ? 1 : 0].count(std::string(type)) > 0;
}

}  // namespace glasshub::core
