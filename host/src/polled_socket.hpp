// A WebSocket's TCP descriptor, watched by an edge-triggered epoll set of the host's own (one per
// io_context) instead of Asio's reactor. Asio keeps 168 bytes of reactor state per descriptor and
// a pending wait operation (~120 bytes) per idle socket; here an idle socket holds this object
// only, and readiness costs no operation object.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace glasshub::host {

class socket_poller;

class polled_socket {
 public:
  // Called on the poller's thread, with the poller locked, for each readiness edge (EPOLLIN,
  // EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR bits): it may only note work for its batch_fn or
  // post it to the owner's strand. It may run while `owner` is being destroyed, up to this
  // socket's destructor: it must not use a member of `owner` declared after this socket.
  // `events` 0: the io_context is shutting down and the owner is abandoned (no handler will run
  // again).
  using ready_fn = void (*)(void* owner, uint32_t events);
  // Called on the same thread after a batch of ready_fn calls, with the poller unlocked and from
  // within the io_context's run. `may_run_inline`: the io_context has one thread, so work may
  // run here on a free strand; otherwise it should post, for the other threads to share.
  using batch_fn = void (*)(bool may_run_inline);

  static uint32_t read_events(uint32_t events) noexcept {
    return events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  }
  // The peer's FIN or a reset: what follows the data still unread is the end of the stream.
  static bool peer_gone(uint32_t events) noexcept {
    return events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  }
  static bool writable(uint32_t events) noexcept {
    return events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
  }

  // Takes ownership of the connected descriptor `fd` and makes it non-blocking.
  polled_socket(boost::asio::io_context& context, int fd, void* owner, ready_fn ready);
  ~polled_socket();  // closes the descriptor; once it returns, `ready` is never called again
  polled_socket(const polled_socket&) = delete;
  polled_socket& operator=(const polled_socket&) = delete;

  // Starts watching: the current readiness is reported at once (an edge for data already there).
  // `after_batch` is the same for every socket of an io_context.
  bool watch(boost::system::error_code& ec, batch_fn after_batch);

  int native_handle() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }

  // Non-blocking; 0 bytes read means the peer's FIN. would_block when nothing is there.
  std::size_t read_some(char* data, std::size_t size, boost::system::error_code& ec) noexcept;
  std::size_t write_some(const char* data, std::size_t size, boost::system::error_code& ec) noexcept;
  // `head` then `body` in one call (a frame's header and its payload, neither copied).
  std::size_t write_some(std::string_view head, std::string_view body,
                         boost::system::error_code& ec) noexcept;
  void shutdown_send() noexcept;
  // Closes the descriptor (which leaves the epoll set with it); later calls fail with
  // bad_descriptor.
  void close() noexcept;

 private:
  friend class socket_poller;

  socket_poller* poller_;  // null once the io_context shut down
  void* owner_;
  ready_fn ready_;
  polled_socket* prev_ = nullptr;  // the poller's list, for abandoning owners at shutdown
  polled_socket* next_ = nullptr;
  int fd_;
  bool listed_ = false;
};

}  // namespace glasshub::host
