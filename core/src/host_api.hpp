// The host service table handed to plugins, and the per-thread context of the current call.
#pragma once

#include <glasshub/sdk.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The definition behind the SDK's opaque gh_ack: top-level fields (key, JSON value) in order.
struct gh_ack {
  std::vector<std::pair<std::string, std::string>> fields;
  void set(std::string key, std::string value) {
    for (auto& f : fields)
      if (f.first == key) {
        f.second = std::move(value);
        return;
      }
    fields.emplace_back(std::move(key), std::move(value));
  }
};

namespace glasshub::core {

class UserSession;

// What the plugin being called is doing right now (set around every call into a plugin).
struct CallContext {
  gh_plugin* plugin = nullptr;
  UserSession* session = nullptr;
  std::string_view correlation_id;
  std::string_view package_name;
};

// RAII: makes `ctx` current on this thread for the duration of one call into a plugin.
class CallScope {
 public:
  explicit CallScope(const CallContext& ctx) noexcept;
  CallScope(CallContext&&) = delete;  // the scope keeps a pointer: no temporaries
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  const CallContext* previous_;
};

const CallContext* current_call() noexcept;

// The table every plugin receives. Static, valid for the life of the process.
const gh_host_api* host_api() noexcept;

}  // namespace glasshub::core
