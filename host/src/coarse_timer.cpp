#include "coarse_timer.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <mutex>

namespace glasshub::host {

namespace net = boost::asio;

// One per io_context (an asio service): slots of armed timers, and the asio timer that wakes
// for the next slot that holds one (not every tick: an idle host sleeps between deadlines).
class timer_wheel : public net::execution_context::service {
 public:
  static net::execution_context::id id;
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds tick{10};
  // Deadlines of a second or more fall due on a grid of 160 ms, so that many sockets' heartbeats
  // and keepalives wake the host together instead of one by one.
  static constexpr std::chrono::milliseconds long_deadline{1000};
  static constexpr uint32_t grid = 16;

  explicit timer_wheel(net::execution_context& context)
      : service(context),
        start_(clock::now()),
        ticker_(static_cast<net::io_context&>(context)) {}

  void arm(coarse_timer& t, std::chrono::milliseconds after) {
    std::lock_guard lock(mutex_);
    unlink(t);
    ++t.generation_;
    if (stopped_) return;
    const auto ticks = (after + tick - std::chrono::milliseconds(1)) / tick;
    t.due_ = now_tick() + static_cast<uint32_t>(std::max<int64_t>(ticks, 1));
    if (after >= long_deadline) t.due_ = (t.due_ + grid - 1) / grid * grid;
    if (t.due_ <= done_) t.due_ = done_ + 1;  // the wheel has not caught up with the clock yet
    coarse_timer*& head = slots_[t.due_ % slots_.size()];
    t.prev_ = nullptr;
    t.next_ = head;
    if (head) head->prev_ = &t;
    head = &t;
    ++armed_;
    if (!ticking_ || t.due_ < wake_) wake_at(t.due_);
  }

  void cancel(coarse_timer& t) {
    std::lock_guard lock(mutex_);
    unlink(t);
    ++t.generation_;
  }

  void forget(coarse_timer& t) {
    std::lock_guard lock(mutex_);
    unlink(t);
  }

 private:
  uint32_t now_tick() const {
    return static_cast<uint32_t>((clock::now() - start_) / tick);
  }

  bool linked(const coarse_timer& t) const {
    return t.prev_ || slots_[t.due_ % slots_.size()] == &t;
  }

  void unlink(coarse_timer& t) {
    if (!linked(t)) return;
    if (t.prev_) t.prev_->next_ = t.next_;
    else slots_[t.due_ % slots_.size()] = t.next_;
    if (t.next_) t.next_->prev_ = t.prev_;
    t.prev_ = t.next_ = nullptr;
    --armed_;
  }

  // The earliest slot after the last one done that holds a timer (perhaps only of a later lap,
  // which costs one early wakeup per lap).
  uint32_t next_armed_slot() const {
    for (uint32_t tick_no = done_ + 1; tick_no <= done_ + slots_.size(); ++tick_no)
      if (slots_[tick_no % slots_.size()]) return tick_no;
    return done_ + static_cast<uint32_t>(slots_.size());
  }

  // Replaces the pending wait, if any: its handler then sees operation_aborted.
  void wake_at(uint32_t tick_no) {
    ticking_ = true;
    wake_ = tick_no;
    ticker_.expires_at(start_ + tick * tick_no);
    ticker_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_tick();
    });
  }

  // Every slot from the last one done up to now: the timers due there fire; those of a later lap
  // stay.
  void on_tick() {
    std::lock_guard lock(mutex_);
    ticking_ = false;
    if (stopped_) return;
    const uint32_t now = now_tick();
    const uint32_t first = now - done_ > slots_.size() ? now - slots_.size() + 1 : done_ + 1;
    for (uint32_t tick_no = first; tick_no <= now && tick_no > done_; ++tick_no) {
      coarse_timer* t = slots_[tick_no % slots_.size()];
      while (t) {
        coarse_timer* next = t->next_;
        if (t->due_ <= now) {
          unlink(*t);
          t->fire_(t->owner_, t->generation_);
        }
        t = next;
      }
    }
    done_ = now;
    if (armed_ > 0) wake_at(next_armed_slot());
  }

  void shutdown() override {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (coarse_timer*& head : slots_) {
      for (coarse_timer* t = head; t;) {
        coarse_timer* next = t->next_;
        t->prev_ = t->next_ = nullptr;
        t->wheel_ = nullptr;  // its owner may outlive the io_context
        t = next;
      }
      head = nullptr;
    }
    armed_ = 0;
    ticker_.cancel();
  }

  std::mutex mutex_;
  const clock::time_point start_;
  std::array<coarse_timer*, 1024> slots_{};  // a lap of 10.24 s; longer deadlines wait laps
  std::size_t armed_ = 0;
  uint32_t done_ = 0;  // every slot up to this tick has fired
  uint32_t wake_ = 0;  // the tick the pending wait is for, while ticking_
  bool ticking_ = false;
  bool stopped_ = false;
  net::steady_timer ticker_;
};

net::execution_context::id timer_wheel::id;

coarse_timer::coarse_timer(const socket_strand& strand, void* owner, fire_fn fire)
    : wheel_(&net::use_service<timer_wheel>(strand.get_inner_executor().context())),
      owner_(owner),
      fire_(fire) {}

coarse_timer::~coarse_timer() {
  if (wheel_) wheel_->forget(*this);
}

void coarse_timer::arm(std::chrono::milliseconds after) {
  if (wheel_) wheel_->arm(*this, after);
}

void coarse_timer::cancel() {
  if (wheel_) wheel_->cancel(*this);
}

}  // namespace glasshub::host
