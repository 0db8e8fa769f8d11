#include "message_rate.hpp"

#include <glasshub/core/wire.hpp>

#include <string>

namespace glasshub::host {

void answer_rate_limited(core::Hub& hub, const core::ConnectionPtr& conn,
                         message_rate::verdict verdict, bool app) {
  hub.count_rejected_connection(app ? "app_message_rate" : "glasses_message_rate");
  if (verdict == message_rate::verdict::close)
    return conn->close(1008, "Message rate limit exceeded");
  if (verdict != message_rate::verdict::tell) return;
  const std::string message = "Too many messages: the limit is " +
                              std::to_string(core::live_settings.limits.messages_per_second()) +
                              " per second; this one was dropped";
  conn->send(app ? core::app_error_frame("RATE_LIMITED", message)
                 : core::glasses_error_frame("RATE_LIMITED", message),
             GH_FRAME_TEXT, GH_DELIVERY_RELIABLE);
}

}  // namespace glasshub::host
