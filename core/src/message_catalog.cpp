#include "message_catalog.hpp"

#include <algorithm>
#include <array>

namespace glasshub::core {

namespace {

// From protocol-catalog.json (every direction); sorted by type for binary search.
constexpr std::array kTypes = std::to_array<CatalogType>({
    {":binary", "audio"},
    {"VAD", "audio"},
    {"app_broadcast_message", "messaging"},
    {"app_direct_message", "messaging"},
    {"app_direct_message_response", "messaging"},
    {"app_message_received", "messaging"},
    {"app_room_join", "messaging"},
    {"app_room_leave", "messaging"},
    {"app_room_updated", "messaging"},
    {"app_started", "app_lifecycle"},
    {"app_state_change", "app_lifecycle"},
    {"app_stopped", "app_lifecycle"},
    {"app_user_discovery", "messaging"},
    {"app_user_joined", "messaging"},
    {"app_user_left", "messaging"},
    {"audio_play_request", "audio"},
    {"audio_play_response", "audio"},
    {"audio_stop_request", "audio"},
    {"audio_stream_end", "audio"},
    {"audio_stream_ready", "audio"},
    {"audio_stream_start", "audio"},
    {"augmentos_settings_update", "settings"},
    {"auth_error", "connection"},
    {"button_press", "device"},
    {"calendar_event", "notifications"},
    {"capabilities_update", "device"},
    {"connection_ack", "connection"},
    {"connection_error", "connection"},
    {"connection_init", "connection"},
    {"core_status_update", "legacy"},
    {"custom_message", "legacy"},
    {"dashboard_always_on_change", "dashboard"},
    {"dashboard_always_on_changed", "dashboard"},
    {"dashboard_content_update", "dashboard"},
    {"dashboard_mode_change", "dashboard"},
    {"dashboard_mode_changed", "dashboard"},
    {"dashboard_state", "dashboard"},
    {"dashboard_system_update", "dashboard"},
    {"data_stream", "connection"},
    {"device_state_update", "device"},
    {"display_event", "display"},
    {"glasses_battery_update", "device"},
    {"glasses_connection_state", "device"},
    {"head_position", "device"},
    {"keep_alive_ack", "streaming"},
    {"keep_rtmp_stream_alive", "streaming"},
    {"livekit_info", "legacy"},
    {"livekit_init", "legacy"},
    {"local_transcription", "audio"},
    {"location_poll_request", "location"},
    {"location_update", "location"},
    {"managed_stream_request", "streaming"},
    {"managed_stream_status", "streaming"},
    {"managed_stream_stop", "streaming"},
    {"microphone_state_change", "audio"},
    {"open_dashboard", "dashboard"},
    {"ownership_release", "app_lifecycle"},
    {"permission_error", "connection"},
    {"phone_battery_update", "device"},
    {"phone_notification", "notifications"},
    {"phone_notification_dismissed", "notifications"},
    {"photo_request", "camera"},
    {"photo_response", "camera"},
    {"photo_taken", "camera"},
    {"ping", "connection"},
    {"pong", "connection"},
    {"request_settings", "legacy"},
    {"request_single_location", "location"},
    {"request_telemetry", "connection"},
    {"request_wifi_setup", "device"},
    {"rgb_led_control", "device"},
    {"rgb_led_control_response", "device"},
    {"rtmp_stream_request", "streaming"},
    {"rtmp_stream_status", "streaming"},
    {"rtmp_stream_stop", "streaming"},
    {"save_buffer_video", "camera"},
    {"set_location_tier", "location"},
    {"settings_update", "settings"},
    {"settings_update_request", "legacy"},
    {"show_wifi_setup", "device"},
    {"start_app", "app_lifecycle"},
    {"start_buffer_recording", "camera"},
    {"start_rtmp_stream", "streaming"},
    {"start_video_recording", "camera"},
    {"stop_app", "app_lifecycle"},
    {"stop_buffer_recording", "camera"},
    {"stop_rtmp_stream", "streaming"},
    {"stop_video_recording", "camera"},
    {"stream_status_check", "streaming"},
    {"stream_status_check_response", "streaming"},
    {"subscription_update", "connection"},
    {"swipe_volume_status", "device"},
    {"switch_status", "device"},
    {"telemetry_response", "connection"},
    {"touch_event", "device"},
    {"tpa_connection_ack", "connection"},
    {"tpa_connection_error", "connection"},
    {"tpa_connection_init", "connection"},
    {"udp_ping_ack", "audio"},
    {"udp_register", "audio"},
    {"udp_unregister", "audio"},
    {"video_stream_response", "streaming"},
    {"vps_coordinates", "location"},
    {"websocket_error", "connection"},
    {"other", "unknown"},  // the fold: keep last
});

}  // namespace

const CatalogType* catalog_types() noexcept { return kTypes.data(); }
std::size_t catalog_size() noexcept { return kTypes.size(); }

std::size_t catalog_index(std::string_view type) noexcept {
  const auto end = kTypes.end() - 1;
  const auto it = std::lower_bound(kTypes.begin(), end, type,
                                   [](const CatalogType& e, std::string_view t) { return e.type < t; });
  return it != end && it->type == type ? static_cast<std::size_t>(it - kTypes.begin())
                                       : kTypes.size() - 1;
}

}  // namespace glasshub::core
