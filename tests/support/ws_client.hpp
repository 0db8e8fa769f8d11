// A blocking WebSocket client for tests: every call has a deadline, nothing runs in the
// background. It plays the phone (or an app server) against a real glasshub process.
#pragma once

#include "client_io/rfc6455.hpp"
#include "support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::test {

using std::chrono::milliseconds;

// Nothing (of the awaited kind) arrived before the deadline.
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The socket closed while a message was awaited.
class ClosedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Outcome of the opening handshake: either upgraded, or the HTTP answer that refused it.
struct UpgradeResult {
  bool upgraded = false;
  int status = 0;    // 101 when upgraded, else the refusal's status (401, 404...)
  std::string body;  // the refusal's body
};

// How the socket ended: the peer's close frame, or 1006 when it just dropped.
struct CloseInfo {
  uint16_t code = 0;
  std::string reason;
};

struct WsFrame {
  bool binary = false;
  std::string data;
};

// A control frame the peer sent (seen while the client was reading; pings are answered by the
// client itself).
struct ControlFrame {
  enum class Kind { ping, pong, close };
  Kind kind;
  std::string payload;
  std::chrono::steady_clock::time_point at;
};

// WebSocket opcodes, for frames built by hand.
using rfc6455::Opcode;

// One client-to-server frame, masked as RFC 6455 requires, ready for WsClient::send_raw.
std::string client_frame(std::string_view payload, Opcode opcode = Opcode::text, bool fin = true);

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(WsClient&&) noexcept;
  WsClient& operator=(WsClient&&) noexcept;

  // Open ws://127.0.0.1:<port><target> with extra request headers. Throws std::runtime_error
  // when the TCP connection or the exchange fails for another reason than a refusal.
  UpgradeResult connect(uint16_t port, const std::string& target, const Headers& headers = {},
                        milliseconds timeout = std::chrono::seconds(5));

  void send_text(std::string_view text);
  void send_json(const nlohmann::json& message);
  void send_binary(std::string_view bytes);
  // Bytes written as they are on the TCP socket, in one write call, bypassing the WebSocket
  // layer (e.g. several client_frame()s that must reach the host in one segment). Do not use
  // while the client may be answering a ping (nothing else writes then).
  void send_raw(std::string_view bytes);

  // Next frame, or nullopt on timeout. Throws ClosedError when the socket closes first.
  std::optional<WsFrame> read_frame(milliseconds timeout);
  // Next frame as JSON. Throws TimeoutError, ClosedError, or std::runtime_error if not JSON.
  nlohmann::json read_json(milliseconds timeout = std::chrono::seconds(2));
  // Next message whose "type" is not "ping" (the host's heartbeat), or nullopt on timeout.
  std::optional<nlohmann::json> next_message(milliseconds timeout = std::chrono::seconds(2));
  // Skip messages until one of `type` arrives. Throws TimeoutError naming what was skipped.
  nlohmann::json read_until_type(std::string_view type,
                                 milliseconds timeout = std::chrono::seconds(2));
  // Every non-ping message that arrives within `window` (waits the whole window).
  std::vector<nlohmann::json> collect_for(milliseconds window);

  // Wait for the peer to close, discarding messages. Throws TimeoutError.
  CloseInfo expect_closed(milliseconds timeout = std::chrono::seconds(2));
  // Send a close frame (best effort) and wait briefly for the peer's.
  void close(uint16_t code = 1000);

  // Abort the TCP connection with an RST (SO_LINGER 0, then close), as a crashed peer or a
  // middlebox does: no close frame, no FIN. The client is closed afterwards.
  void reset();

  bool is_open() const;

  // Every control frame received so far (ping, pong, close), oldest first.
  const std::vector<ControlFrame>& control_frames() const;
  // How many pings the peer has sent so far.
  std::size_t pings_received() const;
  // For the next connect(): the kernel's receive buffer (SO_RCVBUF) and the largest TCP segment
  // the peer may send (TCP_MAXSEG; loopback's is ~64 KB, a real network's ~1460), in bytes; 0
  // keeps the system default. Small values make a client that stops reading fill up quickly.
  void set_receive_buffer(int bytes);
  void set_max_segment(int bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `n` frames of `text` in one TCP write, so they reach the host as one burst.
void send_burst(WsClient& client, std::string_view text, int n);

// Open /glasses-ws as the phone with `token` in the Authorization header and consume the
// `connection_ack`. Throws std::runtime_error (with the refusal) when not upgraded.
WsClient connect_phone(uint16_t port, const std::string& token);

}  // namespace glasshub::test
