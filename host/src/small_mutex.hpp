// A mutex of 4 bytes (std::mutex is 40), for the lock every socket holds: an uncontended lock or
// unlock is one atomic operation; a waiter sleeps in the kernel (atomic::wait is a futex here).
#pragma once

#include <atomic>
#include <cstdint>

namespace glasshub::host {

class small_mutex {
 public:
  void lock() noexcept {
    uint32_t seen = free;
    if (state_.compare_exchange_strong(seen, locked, std::memory_order_acquire)) return;
    if (seen != contended) seen = state_.exchange(contended, std::memory_order_acquire);
    while (seen != free) {
      state_.wait(contended, std::memory_order_relaxed);
      seen = state_.exchange(contended, std::memory_order_acquire);
    }
  }

  void unlock() noexcept {
    if (state_.exchange(free, std::memory_order_release) == contended) state_.notify_one();
  }

 private:
  static constexpr uint32_t free = 0, locked = 1, contended = 2;  // contended: someone may wait
  std::atomic<uint32_t> state_{free};
};

}  // namespace glasshub::host
