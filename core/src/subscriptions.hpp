// Stream names, permissions and matching (protocol.md §7): the rules the host applies to every
// app's subscription set, whichever plugin publishes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::core {

// Permission bits of an app (protocol.md §7.6).
enum : uint32_t {
  kPermMicrophone = 1u << 0,
  kPermLocation = 1u << 1,
  kPermCalendar = 1u << 2,
  kPermCamera = 1u << 3,
  kPermReadNotifications = 1u << 4,
  kPermAll = 0xffffffffu,
};

// The registry's permission names as bits ("ALL" grants everything, legacy "NOTIFICATIONS"
// grants READ_NOTIFICATIONS).
uint32_t permission_mask(const std::vector<std::string>& names) noexcept;

struct RequiredPermission {
  uint32_t bit = 0;  // 0: none needed
  const char* name = "";
};
RequiredPermission required_permission(std::string_view stream) noexcept;

// The streamType an app subscribed as `sub` gets for an event published on `stream`, or empty
// when it does not want it. `perms` guards wildcard subscribers (they get only what they may).
std::string_view delivered_stream_type(std::string_view sub, std::string_view stream,
                                       uint32_t perms) noexcept;

// A subscription as stored: bare "transcription" means "transcription:en-US" (protocol.md §7.2).
std::string normalize_subscription(std::string_view sub);

}  // namespace glasshub::core
