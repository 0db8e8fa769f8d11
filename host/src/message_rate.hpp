// One socket's incoming message rate (limits.messagesPerSecond, limits.messageBurst): a token
// bucket checked on every frame, so it is strand-only state with no lock and no allocation.
#pragma once

#include "coarse_clock.hpp"

#include <glasshub/core/connection.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/core/live_settings.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace glasshub::host {

class message_rate {
 public:
  using clock = coarse_clock;  // read per frame; the bucket counts whole milliseconds

  enum class verdict {
    pass,   // handle the frame
    drop,   // drop it quietly (the client was told less than a second ago)
    tell,   // drop it and send the endpoint's RATE_LIMITED error
    close,  // drop it and close 1008: a whole burst refused within one second
  };

  // The rate and burst are read at every message, so a reload applies to open sockets too.
  message_rate()
      : tokens_(static_cast<float>(core::live_settings.limits.message_burst())),
        refilled_ms_(ms(clock::now())),
        told_ms_(refilled_ms_ - 1000) {}

  verdict take(clock::time_point now) noexcept {
    const auto& limits = core::live_settings.limits;
    const uint32_t per_second = limits.messages_per_second();
    if (per_second == 0) return verdict::pass;
    const uint32_t burst = limits.message_burst();
    const uint32_t now_ms = ms(now);
    tokens_ = std::min<float>(static_cast<float>(burst),
                              tokens_ + static_cast<float>(now_ms - refilled_ms_) *
                                            static_cast<float>(per_second) / 1000.0f);
    refilled_ms_ = now_ms;  // the floors telescope: no time is lost between messages
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return verdict::pass;
    }
    if (now_ms - told_ms_ >= 1000) {
      told_ms_ = now_ms;
      refused_since_told_ = 1;
      return verdict::tell;
    }
    return ++refused_since_told_ >= burst ? verdict::close : verdict::drop;
  }

 private:
  // Milliseconds of the monotonic clock, modulo 2^32: differences are right for 49 days, and this
  // state is 16 bytes per socket instead of 32.
  static uint32_t ms(clock::time_point t) noexcept {
    return static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
  }

  float tokens_;
  uint32_t refilled_ms_;
  uint32_t told_ms_;
  uint32_t refused_since_told_ = 0;
};

// What both endpoints do with a refused message: count it (`glasses_message_rate` or
// `app_message_rate`), tell the client in its own error message, or close 1008.
void answer_rate_limited(core::Hub& hub, const core::ConnectionPtr& conn,
                         message_rate::verdict verdict, bool app);

}  // namespace glasshub::host
