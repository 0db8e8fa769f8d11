// What the core needs of one open WebSocket; host/ implements it over Beast.
#pragma once

#include <glasshub/sdk.h>

#include <cstdint>
#include <memory>
#include <string>

namespace glasshub::core {

// One immutable frame, shared by every recipient that gets the same bytes.
using Frame = std::shared_ptr<const std::string>;

class Connection {
 public:
  virtual ~Connection() = default;

  // Queue a frame for sending. Thread-safe, never blocks. Returns false when the frame was not
  // queued (connection closing/closed, or the send queue is over its byte cap: a droppable frame
  // is then dropped and counted; a reliable one makes the connection close with 1013 so the
  // client reconnects).
  virtual bool send(Frame frame, gh_frame_kind kind, gh_delivery delivery) = 0;

  // Send a close frame with this code and reason, then shut the socket. Thread-safe, idempotent.
  virtual void close(uint16_t code, std::string reason) = 0;

  // Process-unique id, for logs and for telling a replaced socket from the current one.
  virtual uint64_t id() const = 0;
};

using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace glasshub::core
