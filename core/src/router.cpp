#include "router.hpp"

namespace glasshub::core {

std::string Router::add(gh_endpoint endpoint, std::string type, gh_plugin* plugin,
                        gh_plugin_on_message_fn fn, void* state, std::string owner) {
  Table& t = tables_[endpoint == GH_ENDPOINT_APP ? 1 : 0];
  auto it = t.find(type);
  if (it != t.end()) return it->second.owner;
  auto& r = t[std::move(type)];
  r.plugin = plugin;
  r.fn = fn;
  r.state = state;
  r.owner = std::move(owner);
  return {};
}

void Router::add_observer(gh_endpoint endpoint, std::string type, Observer observer) {
  observers_[endpoint == GH_ENDPOINT_APP ? 1 : 0][std::move(type)].push_back(std::move(observer));
}

void Router::mark_disabled(gh_endpoint endpoint, std::string type) {
  disabled_[endpoint == GH_ENDPOINT_APP ? 1 : 0].insert(std::move(type));
}

bool Router::is_disabled(gh_endpoint endpoint, std::string_view type) const {
  return disabled_[endpoint == GH_ENDPOINT_APP ? 1 : 0].count(std::string(type)) > 0;
}

}  // namespace glasshub::core
