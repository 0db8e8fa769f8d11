// One socket's incoming message rate (limits.messagesPerSecond, limits.messageBurst): a token
// bucket checked on every frame, so it is strand-only state with no lock and no allocation.
#pragma once

#include <glasshub/core/connection.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/core/live_settings.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace glasshub::host {

class message_rate {
 public:
  using clock = std::chrono::steady_clock;

  enum class verdict {
    pass,   // handle the frame
    drop,   // drop it quietly (the client was told less than a second ago)
    tell,   // drop it and send the endpoint's RATE_LIMITED error
    close,  // drop it and close 1008: a whole burst refused within one second
  };

  // The rate and burst are read at every message, so a reload applies to open sockets too.
  message_rate() : tokens_(core::live_settings.limits.message_burst()), refilled_(clock::now()) {}

  verdict take(clock::time_point now) noexcept {
    const auto& limits = core::live_settings.limits;
    const uint32_t per_second = limits.messages_per_second();
    if (per_second == 0) return verdict::pass;
    const uint32_t burst = limits.message_burst();
    tokens_ = std::min<double>(
        burst, tokens_ + std::chrono::duration<double>(now - refilled_).count() * per_second);
    refilled_ = now;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return verdict::pass;
    }
    if (now - told_ >= std::chrono::seconds(1)) {
      told_ = now;
      refused_since_told_ = 1;
      return verdict::tell;
    }
    return ++refused_since_told_ >= burst ? verdict::close : verdict::drop;
  }

 private:
  double tokens_;
  clock::time_point refilled_;
  clock::time_point told_{};
  uint32_t refused_since_told_ = 0;
};

// What both endpoints do with a refused message: count it (`glasses_message_rate` or
// `app_message_rate`), tell the client in its own error message, or close 1008.
void answer_rate_limited(core::Hub& hub, const core::ConnectionPtr& conn,
                         message_rate::verdict verdict, bool app);

}  // namespace glasshub::host
