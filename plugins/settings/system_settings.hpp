// The user's system settings as apps and old phones see them (protocol.md §9.10): the REST store
// is a flat snake_case map; the ack's `mentraosSettings` and `augmentos_settings_update` carry a
// camelCase object with defaults; the legacy `settings_update` to the phone (older cloud) carried
// another camelCase object with other defaults. Header-only: the settings and legacy_settings
// plugins both compile it (neither links the other).
#pragma once

#include <glasshub/timestamp.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

namespace glasshub::settings {

using Json = nlohmann::ordered_json;


inline std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The stored settings (the host's `user_settings` JSON) parsed; {} when unreadable.
inline Json parse_object(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : Json::object();
}

// `stored[key]` when present and not null, else `fallback`.
inline Json value_or(const Json& stored, std::string_view key, Json fallback) {
  auto it = stored.find(std::string(key));
  return it == stored.end() || it->is_null() ? std::move(fallback) : *it;
}

// The microphone preference: `preferred_mic:<default_wearable>` (device-indexed) wins over
// `preferred_mic`; "auto" when neither is set.
inline Json preferred_mic(const Json& stored) {
  if (auto w = stored.find("default_wearable"); w != stored.end() && w->is_string()) {
    Json indexed = value_or(stored, "preferred_mic:" + w->get<std::string>(), nullptr);
    if (!indexed.is_null()) return indexed;
  }
  return value_or(stored, "preferred_mic", "auto");
}

// `mentraosSettings` (ack, augmentos_settings_update), in the order of protocol.md §1 G8.
inline Json mentraos_settings(const Json& stored) {
  Json out = Json::object();
  out["metricSystemEnabled"] = value_or(stored, "metric_system", false);
  out["contextualDashboard"] = value_or(stored, "contextual_dashboard", true);
  out["headUpAngle"] = value_or(stored, "head_up_angle", 45);
  out["brightness"] = value_or(stored, "brightness", 50);
  out["autoBrightness"] = value_or(stored, "auto_brightness", true);
  out["sensingEnabled"] = value_or(stored, "sensing_enabled", true);
  out["alwaysOnStatusBar"] = value_or(stored, "always_on_status_bar", false);
  out["bypassVad"] = value_or(stored, "bypass_vad_for_debugging", false);
  out["bypassAudioEncoding"] = value_or(stored, "bypass_audio_encoding_for_debugging", false);
  Json mic = preferred_mic(stored);
  out["useOnboardMic"] = mic.is_string() && mic.get<std::string>() == "glasses";
  out["preferredMic"] = std::move(mic);
  out["userTimezone"] = value_or(stored, "timezone", nullptr);
  return out;
}

// The object of the older cloud's `settings_update` to the phone (protocol.md §6.2, defaults of
// §9.10's legacy paragraph). dashboard_height/dashboard_depth are stored like any other key.
inline Json legacy_phone_settings(const Json& stored) {
  Json out = Json::object();
  const Json mic = preferred_mic(stored);
  out["useOnboardMic"] = mic.is_string() && mic.get<std::string>() == "glasses";
  out["contextualDashboard"] = value_or(stored, "contextual_dashboard", true);
  out["headUpAngle"] = value_or(stored, "head_up_angle", 20);
  out["dashboardHeight"] = value_or(stored, "dashboard_height", 4);
  out["dashboardDepth"] = value_or(stored, "dashboard_depth", 5);
  out["brightness"] = value_or(stored, "brightness", 50);
  out["autoBrightness"] = value_or(stored, "auto_brightness", false);
  out["sensingEnabled"] = value_or(stored, "sensing_enabled", true);
  out["alwaysOnStatusBar"] = value_or(stored, "always_on_status_bar", false);
  out["bypassVad"] = value_or(stored, "bypass_vad_for_debugging", false);
  out["bypassAudioEncoding"] = value_or(stored, "bypass_audio_encoding_for_debugging", false);
  out["metricSystemEnabled"] = value_or(stored, "metric_system", false);
  return out;
}

}  // namespace glasshub::settings
