// The load generator's one clock: steady-clock nanoseconds, what events carry as `t` and what
// a delivery's arrival is measured in (same process, same clock).
#pragma once

#include <chrono>
#include <cstdint>

namespace glasshub::loadgen {

inline uint64_t steady_ns() noexcept {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace glasshub::loadgen
