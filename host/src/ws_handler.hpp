// What an endpoint does with its socket's events; ws_connection calls these on its strand.
#pragma once

#include "message_rate.hpp"

#include <glasshub/core/connection.hpp>

#include <cstdint>
#include <string>

namespace glasshub::host {

class ws_handler {
 public:
  virtual ~ws_handler() = default;

  // The upgrade completed; `conn` is ready to send.
  virtual void on_open(const core::ConnectionPtr& conn) = 0;
  // One complete message; `bytes` lives only during the call (it is in the thread's read buffer).
  virtual void on_frame(const core::ConnectionPtr& conn, std::string_view bytes, bool binary) = 0;
  // A message over limits.messagesPerSecond was dropped: count it, and on `tell` send the
  // endpoint's RATE_LIMITED error, on `close` close 1008 (never called with `pass`).
  virtual void on_rate_limited(const core::ConnectionPtr& conn, message_rate::verdict verdict) = 0;
  // The socket is done, called once after on_open: `close_code` is the peer's (1005 when its
  // close frame had none), the host's own when it failed the peer's message (1002, 1007, 1009),
  // or 1006 when the socket dropped without one.
  virtual void on_closed(const core::ConnectionPtr& conn, uint16_t close_code) = 0;
};

}  // namespace glasshub::host
