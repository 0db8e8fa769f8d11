// The deadlines of a socket's life (keepalive, heartbeat, init and close timeouts): seconds long,
// one or two per socket, rarely due. They share one wheel of 10 ms slots and one asio timer per
// io_context, so an armed deadline costs its owner this object and no pending operation (an asio
// timer is 88 bytes, and each wait on it another ~130 on the heap).
#pragma once

#include "socket_strand.hpp"

#include <chrono>
#include <cstdint>

namespace glasshub::host {

class timer_wheel;

class coarse_timer {
 public:
  // Called on the wheel's thread, with the wheel locked, when an arming comes due: it may only
  // post to the owner's strand, where current(generation) tells a live arming from a stale one.
  // It may run while `owner` is being destroyed, up to this timer's destructor: it must not use
  // a member of `owner` declared after this timer.
  using fire_fn = void (*)(void* owner, uint32_t generation);

  coarse_timer(const socket_strand& strand, void* owner, fire_fn fire);
  ~coarse_timer();  // once it returns, `fire` is never called again
  coarse_timer(const coarse_timer&) = delete;
  coarse_timer& operator=(const coarse_timer&) = delete;

  // Due in `after`, rounded up to the wheel's 10 ms (to its 160 ms grid from a second on),
  // replacing any earlier arming. The owner's strand, as are cancel() and current().
  void arm(std::chrono::milliseconds after);
  void cancel();
  bool current(uint32_t generation) const noexcept { return generation == generation_; }

 private:
  friend class timer_wheel;

  timer_wheel* wheel_;  // null once the io_context is gone
  void* owner_;
  fire_fn fire_;
  coarse_timer* prev_ = nullptr;  // the slot's list, while armed
  coarse_timer* next_ = nullptr;
  uint32_t due_ = 0;          // in wheel ticks
  uint32_t generation_ = 0;   // bumped by each arm and cancel
};

}  // namespace glasshub::host
