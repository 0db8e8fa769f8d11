#include "subscriptions.hpp"

#include "short_strings.hpp"

namespace glasshub::core {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_language_stream(std::string_view s) noexcept {
  return starts_with(s, "transcription:") || starts_with(s, "translation:");
}

// "transcription:en-US?hints=ja-JP" -> "transcription:en-US"
std::string_view without_query(std::string_view s) noexcept {
  return s.substr(0, s.find('?'));
}

}  // namespace

uint32_t permission_mask(const std::vector<std::string>& names) noexcept {
  uint32_t m = 0;
  for (const auto& n : names) {
    if (n == "ALL") return kPermAll;
    if (n == "MICROPHONE") m |= kPermMicrophone;
    else if (n == "LOCATION" || n == "BACKGROUND_LOCATION") m |= kPermLocation;
    else if (n == "CALENDAR") m |= kPermCalendar;
    else if (n == "CAMERA") m |= kPermCamera;
    else if (n == "READ_NOTIFICATIONS" || n == "NOTIFICATIONS") m |= kPermReadNotifications;
  }
  return m;
}

RequiredPermission required_permission(std::string_view s) noexcept {
  if (s == "audio_chunk" || s == "VAD" || s == "transcription" || s == "translation" ||
      is_language_stream(s))
    return {kPermMicrophone, "MICROPHONE"};
  // location_stream too: the reference's exemption is a privacy hole (protocol.md §7.1 QUIRK).
  if (s == "location_update" || s == "location_stream") return {kPermLocation, "LOCATION"};
  if (s == "calendar_event") return {kPermCalendar, "CALENDAR"};
  if (s == "photo_response" || s == "photo_taken" || s == "rtmp_stream_status" ||
      s == "managed_stream_status")
    return {kPermCamera, "CAMERA"};
  if (s == "phone_notification" || s == "phone_notification_dismissed")
    return {kPermReadNotifications, "READ_NOTIFICATIONS"};
  return {};
}

std::string_view delivered_stream_type(std::string_view sub, std::string_view stream,
                                       uint32_t perms) noexcept {
  if (same_bytes(sub, stream)) return sub;
  if (sub == "*" || sub == "all") {
    // Gesture streams are also published unqualified; a wildcard takes that one only.
    if (starts_with(stream, "touch_event:")) return {};
    const RequiredPermission need = required_permission(stream);
    return (perms & need.bit) == need.bit ? stream : std::string_view();
  }
  if (is_language_stream(sub) && is_language_stream(stream) &&
      without_query(sub) == without_query(stream))
    return sub;  // the app's own string, byte for byte (protocol.md §1 G13)
  if (sub == "location_stream" && stream == "location_update") return stream;
  return {};
}

std::string normalize_subscription(std::string_view sub) {
  if (sub == "transcription") return "transcription:en-US";
  return std::string(sub);
}

}  // namespace glasshub::core
