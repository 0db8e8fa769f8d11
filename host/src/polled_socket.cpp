#include "polled_socket.hpp"

#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/scheduler.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

namespace glasshub::host {

namespace net = boost::asio;

namespace {
boost::system::error_code last_error() noexcept {
  return {errno, boost::system::system_category()};
}
}  // namespace

// One per io_context (an asio service): the epoll set, itself registered with Asio's reactor
// as an internal descriptor whose one operation never completes (as Asio's own signal pipe
// is): each edge of the set runs drain() from the reactor's completion, with no wait to start
// again, so no epoll_ctl and no operation object per wakeup. That is Asio's detail API, fixed
// with Boost 1.81 (Debian 12).
class socket_poller : public net::execution_context::service {
 public:
  static net::execution_context::id id;

  explicit socket_poller(net::execution_context& context)
      : service(context),
        reactor_(net::use_service<net::detail::reactor>(context)),
        one_thread_(net::use_service<net::detail::scheduler>(context).concurrency_hint() == 1),
        busy_(net::make_work_guard(static_cast<net::io_context&>(context))) {
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    epoll_ = epoll;
    reactor_.init_task();  // the scheduler runs the reactor from now on
    if (const int error = reactor_.register_internal_descriptor(
            net::detail::reactor::read_op, epoll_, reactor_data_, &drain_op_)) {
      reactor_.cleanup_descriptor_data(reactor_data_);
      ::close(epoll_);
      throw std::system_error(error, std::generic_category(), "epoll set in the reactor");
    }
  }

  bool add(polled_socket& s, polled_socket::batch_fn after_batch, boost::system::error_code& ec) {
    std::lock_guard lock(mutex_);
    after_batch_ = after_batch;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &s;
    if (stopped_) {
      ec = net::error::shut_down;
      return false;
    }
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd_, &ev) != 0) {
      ec = last_error();
      return false;
    }
    link(s);
    return true;
  }

  // Once this returns, no batch that could still report `s` is running.
  void remove(polled_socket& s) {
    std::lock_guard lock(mutex_);
    unlink(s);
  }

 private:
  // The reactor's view of the set: perform() runs on each readiness edge and always says "not
  // done", so the operation stays queued for the next one. The reactor destroys it (a call with
  // no owner) only when the set leaves it; it lives in the poller.
  struct drain_op : net::detail::reactor_op {
    explicit drain_op(socket_poller* poller)
        : reactor_op(boost::system::error_code(), &perform, &complete), poller(poller) {}
    static status perform(reactor_op* op) {
      static_cast<drain_op*>(op)->poller->drain();
      return not_done;
    }
    static void complete(void*, net::detail::scheduler_operation*, const boost::system::error_code&,
                         std::size_t) {}
    socket_poller* poller;
  };

  void link(polled_socket& s) {
    s.listed_ = true;
    s.prev_ = nullptr;
    s.next_ = head_;
    if (head_) head_->prev_ = &s;
    head_ = &s;
  }

  void unlink(polled_socket& s) {
    if (!s.listed_) return;
    s.listed_ = false;
    if (s.prev_) s.prev_->next_ = s.next_;
    else head_ = s.next_;
    if (s.next_) s.next_->prev_ = s.prev_;
    s.prev_ = s.next_ = nullptr;
  }

  // The set is edge-triggered inside Asio's edge-triggered reactor: drained whole each time, or
  // its next edge would never come.
  // On a one-thread io_context the batch's work runs here, inline on this thread where it can:
  // no round trip through the scheduler's queue (and its extra reactor pass) per wakeup. With
  // more threads the batch posts, so the reactor's next edge of the set is not held up behind it.
  void drain() {
    polled_socket::batch_fn after_batch = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      for (;;) {
        const int n = ::epoll_wait(epoll_, events_, batch, 0);
        for (int i = 0; i < n; ++i) {
          auto* s = static_cast<polled_socket*>(events_[i].data.ptr);
          s->ready_(s->owner_, events_[i].events);
        }
        if (n < batch) break;
      }
      after_batch = after_batch_;
    }
    if (after_batch) after_batch(one_thread_);
  }

  void shutdown() override {
    std::vector<std::pair<void*, polled_socket::ready_fn>> abandoned;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      for (polled_socket* s = head_; s;) {
        polled_socket* next = s->next_;
        abandoned.emplace_back(s->owner_, s->ready_);
        s->listed_ = false;
        s->prev_ = s->next_ = nullptr;
        s->poller_ = nullptr;  // its owner may outlive the io_context
        s = next;
      }
      head_ = nullptr;
    }
    reactor_.deregister_internal_descriptor(epoll_, reactor_data_);
    reactor_.cleanup_descriptor_data(reactor_data_);
    ::close(epoll_);
    busy_.reset();
    for (auto& [owner, ready] : abandoned) ready(owner, 0);
  }

  static constexpr int batch = 128;
  net::detail::reactor& reactor_;
  net::detail::reactor::per_descriptor_data reactor_data_ = nullptr;
  drain_op drain_op_{this};
  const bool one_thread_;
  // The io_context runs while the poller exists, as it did while a wait on the set was pending.
  net::executor_work_guard<net::io_context::executor_type> busy_;
  std::mutex mutex_;
  int epoll_ = -1;
  polled_socket* head_ = nullptr;  // watched sockets whose descriptor is open
  polled_socket::batch_fn after_batch_ = nullptr;
  bool stopped_ = false;
  epoll_event events_[batch];
};

net::execution_context::id socket_poller::id;

polled_socket::polled_socket(net::io_context& context, int fd, void* owner, ready_fn ready)
    : poller_(&net::use_service<socket_poller>(context)), owner_(owner), ready_(ready), fd_(fd) {
  if (const int flags = ::fcntl(fd_, F_GETFL); flags >= 0 && !(flags & O_NONBLOCK))
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

polled_socket::~polled_socket() {
  if (poller_) poller_->remove(*this);
  if (fd_ >= 0) ::close(fd_);
}

bool polled_socket::watch(boost::system::error_code& ec, batch_fn after_batch) {
  if (fd_ < 0) {
    ec = net::error::bad_descriptor;
    return false;
  }
  if (!poller_) {
    ec = net::error::shut_down;
    return false;
  }
  return poller_->add(*this, after_batch, ec);
}

namespace {
// One non-blocking transfer: `call` again after EINTR; EAGAIN is would_block.
template <class Call>
std::size_t transfer(Call call, boost::system::error_code& ec) noexcept {
  for (;;) {
    const ssize_t n = call();
    if (n >= 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = (errno == EAGAIN || errno == EWOULDBLOCK) ? boost::system::error_code(net::error::would_block)
                                                   : last_error();
    return 0;
  }
}
}  // namespace

std::size_t polled_socket::read_some(char* data, std::size_t size,
                                     boost::system::error_code& ec) noexcept {
  const std::size_t n = transfer([&] { return ::recv(fd_, data, size, 0); }, ec);
  if (n == 0 && !ec) ec = net::error::eof;
  return n;
}

std::size_t polled_socket::write_some(const char* data, std::size_t size,
                                      boost::system::error_code& ec) noexcept {
  return transfer([&] { return ::send(fd_, data, size, MSG_NOSIGNAL); }, ec);
}

std::size_t polled_socket::write_some(std::string_view head, std::string_view body,
                                      boost::system::error_code& ec) noexcept {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  msghdr msg{};
  msg.msg_iov = parts;
  msg.msg_iovlen = 2;
  return transfer([&] { return ::sendmsg(fd_, &msg, MSG_NOSIGNAL); }, ec);
}

void polled_socket::shutdown_send() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void polled_socket::close() noexcept {
  if (fd_ < 0) return;
  if (poller_) poller_->remove(*this);
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace glasshub::host
