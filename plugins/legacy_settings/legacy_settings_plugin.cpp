// legacy_settings: the settings messages older phones send over the socket, answered the way the
// 2025-10 cloud did (protocol.md §6.1, §6.2, §9.10). The 2026-03 cloud removed them ("dead"), so
// this plugin is disabled in the default manifest; an operator with old phones switches it on
// (`"enabled": true`) without a rebuild.
//   - request_settings        -> settings_update {sessionId, settings} to the phone;
//   - settings_update_request -> the same settings sync; relayed to its subscribers as before;
//   - core_status_update      -> the settings and glasses model in its status written into the
//     user's settings store (the model as `default_wearable`, which the device plugin applies;
//     apps with an augmentos: subscription hear of the change from the settings plugin).
#include "../settings/system_settings.hpp"

#include <glasshub/sdk.hpp>

#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

namespace glasshub::legacy_settings {

namespace {

using settings::Json;

// A member of `obj` when it is an object with that key, else null.
const Json& member(const Json& obj, const char* key) {
  static const Json null_value;
  if (!obj.is_object()) return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

// Booleans sometimes arrive as "true"/"false" from the old phone's Java side.
Json as_bool(const Json& v) {
  if (v.is_boolean()) return v;
  if (v.is_string()) {
    if (v == "true") return true;
    if (v == "false") return false;
  }
  return nullptr;
}

// Numbers sometimes arrive as strings (the reference parsed brightness with parseInt).
Json as_number(const Json& v) {
  if (v.is_number()) return v;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && std::isfinite(d)) {
      if (d == std::floor(d) && std::fabs(d) < 1e15) return static_cast<long long>(d);
      return d;
    }
  }
  return nullptr;
}

class LegacySettings : public Plugin {
 public:
  Status load(Registrar& r) override {
    if (!GH_HOST_HAS(api(), user_settings_get) || !GH_HOST_HAS(api(), user_settings_update)) {
      log(GH_LOG_ERROR, "the host lacks the ABI 1.1 user settings store");
      return GH_ERR_REJECTED;
    }
    answered_ = r.counter("settings_updates_sent_total", "settings_update frames sent to phones");
    statuses_ = r.counter("core_status_updates_total", "core_status_update messages applied");
    Status st = r.on(GH_ENDPOINT_GLASSES, "request_settings",
                     [this](const Message& m) { return send_settings(m.user()); });
    if (st != GH_OK) return st;
    st = r.on(GH_ENDPOINT_GLASSES, "settings_update_request", [this](const Message& m) {
      m.user().publish(m.type(), m.raw());  // it is a stream apps could subscribe to
      return send_settings(m.user());
    });
    if (st != GH_OK) return st;
    return r.on(GH_ENDPOINT_GLASSES, "core_status_update",
                [this](const Message& m) { return on_core_status(m); });
  }

 private:
  Status send_settings(const User& user) {
    const Json stored = settings::parse_object(user_settings(user.id()));
    const Json frame = {{"type", "settings_update"},
                        {"sessionId", user.id()},
                        {"settings", settings::legacy_phone_settings(stored)},
                        {"timestamp", glasshub::iso_timestamp()}};
    answered_.add();
    return user.send_to_glasses(settings::dump(frame));
  }

  // The older cloud's parse: `status` is a JSON string (or an object) holding
  // {status:{core_info, connected_glasses, glasses_settings}} (the outer `status` level may be
  // missing). Only what is present is written, under the REST (snake_case) keys.
  Status on_core_status(const Message& m) {
    User user = m.user();
    user.publish(m.type(), m.raw());  // core_status_update is a stream in the SDK's enum
    const Json msg = Json::parse(m.raw(), nullptr, false);
    Json status = member(msg, "status");
    if (status.is_string())
      status = Json::parse(status.get_ref<const std::string&>(), nullptr, false);
    if (!status.is_object()) {
      log(GH_LOG_WARN, "core_status_update without a readable status ignored");
      return GH_OK;
    }
    if (member(status, "status").is_object()) status = member(status, "status");
    const Json& core = member(status, "core_info");
    const Json& glasses = member(status, "connected_glasses");
    const Json& display = member(status, "glasses_settings");

    Json patch = Json::object();
    auto put = [&patch](const char* key, Json value) {
      if (!value.is_null()) patch[key] = std::move(value);
    };
    put("contextual_dashboard", as_bool(member(core, "contextual_dashboard_enabled")));
    put("metric_system", as_bool(member(core, "metric_system_enabled")));
    put("sensing_enabled", as_bool(member(core, "sensing_enabled")));
    put("always_on_status_bar", as_bool(member(core, "always_on_status_bar")));
    put("bypass_vad_for_debugging", as_bool(member(core, "bypass_vad_for_debugging")));
    put("bypass_audio_encoding_for_debugging",
        as_bool(member(core, "bypass_audio_encoding_for_debugging")));
    put("head_up_angle", as_number(member(glasses, "headUp_angle")));
    put("brightness", as_number(member(display, "brightness")));
    put("auto_brightness", as_bool(member(display, "auto_brightness")));
    put("dashboard_height", as_number(member(display, "dashboard_height")));
    put("dashboard_depth", as_number(member(display, "dashboard_depth")));
    // useOnboardMic <=> preferred_mic == "glasses" (§9.10); "off" only undoes "glasses".
    const Json onboard = as_bool(member(core, "force_core_onboard_mic"));
    if (onboard.is_boolean()) {
      const Json stored = settings::parse_object(user_settings(user.id()));
      if (onboard.get<bool>())
        patch["preferred_mic"] = "glasses";
      else if (settings::value_or(stored, "preferred_mic", nullptr) == "glasses")
        patch["preferred_mic"] = "auto";
    }
    if (const Json& model = member(glasses, "model_name");
        model.is_string() && !model.get_ref<const std::string&>().empty())
      patch["default_wearable"] = model;
    if (patch.empty()) return GH_OK;
    statuses_.add();
    return update_user_settings(user.id(), settings::dump(patch));
  }

  Counter answered_, statuses_;
};

}  // namespace

}  // namespace glasshub::legacy_settings

GLASSHUB_PLUGIN(glasshub::legacy_settings::LegacySettings, "legacy_settings", "1.0.0",
                "answers the dead settings messages of older phones (request_settings, "
                "settings_update_request, core_status_update)")
