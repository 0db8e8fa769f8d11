#include "client_io/tcp_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

namespace glasshub::client_io {

namespace {

std::runtime_error system_error(int error) { return std::runtime_error(std::strerror(error)); }

}  // namespace

TcpClient::~TcpClient() { close(); }

TcpClient::TcpClient(TcpClient&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TcpClient& TcpClient::operator=(TcpClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool TcpClient::wait(short events, Clock::time_point deadline) const {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) throw system_error(errno);
  }
}

bool TcpClient::connect(const std::string& host, uint16_t port, Clock::time_point deadline,
                        const TcpOptions& options) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found))
    throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int error = 0;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw system_error(errno);
    if (options.receive_buffer > 0 &&
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                     sizeof options.receive_buffer) != 0)
      throw std::runtime_error("setsockopt(SO_RCVBUF): " + std::string(std::strerror(errno)));
    if (options.max_segment > 0 &&
        ::setsockopt(fd_, IPPROTO_TCP, TCP_MAXSEG, &options.max_segment,
                     sizeof options.max_segment) != 0)
      throw std::runtime_error("setsockopt(TCP_MAXSEG): " + std::string(std::strerror(errno)));
    error = ::connect(fd_, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
      if (!wait(POLLOUT, deadline)) return false;
      socklen_t size = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    }
    if (error == 0) return true;
    close();
  }
  throw system_error(error);
}

bool TcpClient::write_all(std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait(POLLOUT, deadline)) return false;
    } else if (errno != EINTR) {
      throw system_error(errno);
    }
  }
  return true;
}

TcpClient::Read TcpClient::read_some(std::string& into, Clock::time_point deadline) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
      return Read::data;
    }
    if (n == 0) return Read::end;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait(POLLIN, deadline)) return Read::timeout;
    } else if (errno != EINTR) {
      throw system_error(errno);
    }
  }
}

void TcpClient::set_no_delay() {
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void TcpClient::close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    const linger rst{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace glasshub::client_io
