// A blocking TCP client socket whose every wait ends at a deadline (poll() on a non-blocking
// socket): what the tests' HTTP and WebSocket clients and glasshubctl need, without Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace glasshub::client_io {

using Clock = std::chrono::steady_clock;

// Socket options set before connecting; 0 keeps the system default.
struct TcpOptions {
  int receive_buffer = 0;  // SO_RCVBUF
  int max_segment = 0;     // TCP_MAXSEG
};

class TcpClient {
 public:
  enum class Read { data, end, timeout };

  TcpClient() = default;
  ~TcpClient();
  TcpClient(TcpClient&& other) noexcept;
  TcpClient& operator=(TcpClient&& other) noexcept;

  // Connects to `host` (a name or an address) on `port`, trying each address it resolves to.
  // False at the deadline; throws std::runtime_error with the reason (e.g. "Connection refused").
  bool connect(const std::string& host, uint16_t port, Clock::time_point deadline,
               const TcpOptions& options = {});
  // Writes every byte. False at the deadline; throws std::runtime_error when the socket fails.
  bool write_all(std::string_view bytes, Clock::time_point deadline);
  // Appends what arrived (waiting for it until the deadline) to `into`. Throws std::runtime_error
  // when the socket fails (e.g. reset by the peer).
  Read read_some(std::string& into, Clock::time_point deadline);

  void set_no_delay();
  // Closes the socket; with `reset`, an RST instead of a FIN (SO_LINGER 0), as a crashed peer.
  void close(bool reset = false);
  bool is_open() const noexcept { return fd_ >= 0; }

 private:
  bool wait(short events, Clock::time_point deadline) const;
  int fd_ = -1;
};

}  // namespace glasshub::client_io
