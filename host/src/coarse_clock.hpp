// The monotonic clock at the kernel's tick (1-4 ms): a read costs a few nanoseconds and no TSC
// access. For stamps taken per frame that only feed decisions on a scale of seconds (a phone's
// liveness) or milliseconds (the message-rate bucket).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

namespace glasshub::host {

struct coarse_clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<coarse_clock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(duration(static_cast<rep>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
  }
};

}  // namespace glasshub::host
