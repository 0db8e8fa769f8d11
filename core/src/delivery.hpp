// The one way the core sends a frame: counted by endpoint and catalog type, refusals counted,
// and at debug level one "send" log line carrying the correlation id of the message being
// handled on this thread (so one grep of an id shows every frame it caused).
#pragma once

#include "metrics.hpp"
#include <glasshub/core/connection.hpp>

#include <string_view>

namespace glasshub::core {

// The `type` of an outgoing frame: the first `"type":"..."` of a text frame (every frame the
// host builds starts with it), ":binary" for binary frames, "" when there is none.
std::string_view frame_type(std::string_view frame, gh_frame_kind kind) noexcept;

// Queues `frame` on `conn` (to `to`; `package` empty for the phone). False when not queued.
// `type`: frame_type(frame, kind) when the caller built the frame and knows it (a relay's
// data_stream), else empty and found here.
bool deliver(HealthStats& stats, Connection& conn, gh_endpoint to, std::string_view user_id,
             std::string_view package, std::string_view frame, gh_frame_kind kind,
             gh_delivery delivery, std::string_view type = {});

}  // namespace glasshub::core
