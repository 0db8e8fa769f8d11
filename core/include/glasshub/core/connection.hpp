// What the core needs of one open WebSocket; host/ implements it over Beast.
#pragma once

#include <glasshub/sdk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace glasshub::core {

class Connection {
 public:
  virtual ~Connection() = default;

  // Queue a frame for sending; its bytes are copied before this returns (into the connection's
  // send buffer, so a fan-out allocates nothing per recipient). Thread-safe, never blocks.
  // Returns false when the frame was not
  // queued (connection closing/closed, or the send queue is over its byte cap: a droppable frame
  // is then dropped and counted; a reliable one makes the connection close with 1013 so the
  // client reconnects).
  virtual bool send(std::string_view frame, gh_frame_kind kind, gh_delivery delivery) = 0;

  // Send a close frame with this code and reason, then shut the socket. Thread-safe, idempotent.
  virtual void close(uint16_t code, std::string reason) = 0;

  // Process-unique id, for logs and for telling a replaced socket from the current one.
  virtual uint64_t id() const = 0;
};

using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace glasshub::core
