// device: the glasses' hardware events and state (protocol.md §6.1, §7.3, §9.11, §9.12).
//   - phone events (buttons, head position, touch, battery, VAD, transcription, location,
//     calendar, notifications) relayed as data_stream to the apps subscribed to them, by
//     splicing the frame's own bytes (the host owns subscriptions and the envelope);
//   - the device state (glasses_connection_state, POST /api/client/device/state), broadcast to
//     every app as device_state_update, with capabilities_update when the model changes;
//   - the `default_wearable` user setting (read when a session starts, applied when it changes)
//     sets the model as if the phone had reported it (§5.1, §9.10);
//   - each app's ack gets the capabilities, and a full snapshot follows it.
#include "capabilities.hpp"
#include "device_state.hpp"

#include <glasshub/sdk.hpp>
#include <glasshub/timestamp.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

namespace glasshub::device {

namespace {


std::string dump(const JsonValue& j) {
  return j.dump(-1, ' ', false, JsonValue::error_handler_t::replace);
}

std::string device_state_frame(const JsonValue& state, bool full_snapshot) {
  return R"({"type":"device_state_update","state":)" + dump(state) +
         R"(,"fullSnapshot":)" + (full_snapshot ? "true" : "false") + R"(,"timestamp":")" +
         glasshub::iso_timestamp() + "\"}";
}

std::string_view capabilities_or_null(const std::optional<std::string>& model) {
  if (!model) return "null";
  return capabilities_json(*model).value_or("null");
}

// The reference sends no timestamp on this one.
std::string capabilities_frame(const std::string& model) {
  return std::string(R"({"type":"capabilities_update","capabilities":)") +
         std::string(capabilities_or_null(model)) + R"(,"modelName":)" +
         dump(JsonValue(model)) + "}";
}

constexpr std::string_view kNoSessionBody =
    R"({"error":"no_active_session",)"
    R"("message":"No active cloud session. Please ensure your app is connected."})";

// Phone events relayed under their own type, data = the original message (§7.3).
constexpr std::string_view kPlainRelays[] = {
    "button_press", "head_position", "glasses_battery_update", "phone_battery_update", "VAD",
    "calendar_event", "phone_notification", "phone_notification_dismissed", "location_update",
};

class DevicePlugin : public Plugin {
 public:
  Status load(Registrar& r) override {
    if (!GH_HOST_HAS(api(), user_data_get) || !GH_HOST_HAS(api(), user_data_set) ||
        !GH_HOST_HAS(api(), broadcast_to_apps) || !GH_HOST_HAS(api(), ack_set_field) ||
        !GH_HOST_HAS(api(), register_route) || !GH_HOST_HAS(api(), http_respond)) {
      log(GH_LOG_ERROR, "the host lacks ABI 1.1 services (user data, broadcast, ack, routes)");
      return GH_ERR_REJECTED;
    }
    relayed_ = r.counter("events_relayed_total", "phone events published (once per stream)");
    state_updates_ = r.counter("state_updates_total", "device_state_update broadcasts");
    capability_updates_ =
        r.counter("capabilities_updates_total", "capabilities_update broadcasts");
    rest_rejected_ = r.counter("rest_rejected_total", "device state REST bodies refused (400)");

    for (std::string_view type : kPlainRelays) {
      Status st = r.on(GH_ENDPOINT_GLASSES, type, [this](const Message& m) {
        return relay(m.user(), m.type(), m.raw());
      });
      if (st != GH_OK) return st;
    }
    Status st = r.on(GH_ENDPOINT_GLASSES, "touch_event", [this](const Message& m) {
      Status first = GH_OK;
      if (auto gesture = m["gesture_name"].string())
        first = relay(m.user(), "touch_event:" + std::string(*gesture), m.raw());
      Status base = relay(m.user(), "touch_event", m.raw());
      return first != GH_OK ? first : base;
    });
    if (st != GH_OK) return st;
    st = r.on(GH_ENDPOINT_GLASSES, "local_transcription", [this](const Message& m) {
      // data.type stays local_transcription; the host matches `transcription:<lang>?<opts>`
      // subscriptions by language and echoes each app's own string.
      const std::string stream =
          "transcription:" + std::string(m["transcribeLanguage"].string_or("en-US"));
      Status lang = relay(m.user(), stream, m.raw());
      Status base = relay(m.user(), "local_transcription", m.raw());
      return lang != GH_OK ? lang : base;
    });
    if (st != GH_OK) return st;
    st = r.on(GH_ENDPOINT_GLASSES, "glasses_connection_state",
              [this](const Message& m) { return on_connection_state(m); });
    if (st != GH_OK) return st;
    return r.route(GH_HTTP_POST, "/api/client/device/state", GH_ROUTE_AUTH_USER,
                   [this](const Request& req) { return on_rest_state(req); });
  }

  void on_app_ack(User& user, std::string_view, Ack& ack) override {
    ack.set("capabilities", capabilities_or_null(user_state<DeviceState>(user).model()));
  }

  void on_app_connected(User& user, std::string_view package) override {
    user.send_to_app(package, device_state_frame(user_state<DeviceState>(user).snapshot(), true));
  }

  // §5.1, §9.10: the 2026-03 phone's model is the `default_wearable` user setting. A new session
  // starts with it (and so counts as connected); a change applies as if the phone reported it.
  void on_user_session_created(User& user) override {
    if (!GH_HOST_HAS(api(), user_settings_get)) return;
    const JsonValue stored = JsonValue::parse(user_settings(user.id()), nullptr, false);
    if (!stored.is_object()) return;
    auto it = stored.find("default_wearable");
    if (it != stored.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
      apply_wearable(user, *it);
  }

  void on_user_settings_changed(User& user, std::string_view changed) override {
    const JsonValue diff = JsonValue::parse(changed, nullptr, false);
    if (diff.is_object() && diff.contains("default_wearable"))
      apply_wearable(user, diff["default_wearable"]);  // null (deleted): no model
  }

 private:
  Status relay(const User& user, std::string_view stream, std::string_view raw) const {
    relayed_.add();
    return user.publish(stream, raw);
  }

  // §6.1: connected := CONNECTED/RECONNECTED; model only while connected; Wi-Fi into the state.
  Status on_connection_state(const Message& m) {
    const std::string_view status = m["status"].string_or("");
    const bool connected = status == "CONNECTED" || status == "RECONNECTED";
    JsonValue partial = JsonValue::object();
    partial["connected"] = connected;
    const std::string_view model = connected ? m["modelName"].string_or("") : "";
    partial["modelName"] = model.empty() ? JsonValue(nullptr) : JsonValue(std::string(model));
    if (auto wifi = view_value(m["wifi"]["connected"]); !wifi.is_discarded())
      partial["wifiConnected"] = std::move(wifi);
    if (auto ssid = view_value(m["wifi"]["ssid"]); !ssid.is_discarded())
      partial["wifiSsid"] = std::move(ssid);
    apply(m.user(), partial);
    return relay(m.user(), "glasses_connection_state", m.raw());
  }

  // A scalar of the message as a state value; discarded when absent or not a scalar.
  static JsonValue view_value(const glasshub::Json& node) {
    switch (node.kind()) {
      case GH_JSON_NULL: return nullptr;
      case GH_JSON_BOOL: return *node.boolean();
      case GH_JSON_NUMBER: return *node.number();
      case GH_JSON_STRING: return std::string(*node.string());
      default: return JsonValue(JsonValue::value_t::discarded);
    }
  }

  Status on_rest_state(const Request& req) {
    if (!req.has_session()) {
      // No user session: we run on an I/O thread and must not touch any state.
      req.respond(503, kNoSessionBody);
      return GH_OK;
    }
    Update update = normalize_update(req.body());
    if (!update.error.empty()) {
      rest_rejected_.add();
      req.respond(400, R"({"success":false,"message":)" + dump(JsonValue(update.error)) + "}");
      return GH_OK;
    }
    apply(req.user(), update.partial);
    req.respond(200, R"({"success":true,"timestamp":")" + glasshub::iso_timestamp() + "\"}");
    return GH_OK;
  }

  // {"modelName": <default_wearable>} through the REST rules (a model implies connected).
  void apply_wearable(const User& user, const JsonValue& value) {
    JsonValue body = JsonValue::object();
    body["modelName"] = value.is_string() ? value : JsonValue(nullptr);
    Update update = normalize_update(dump(body));
    if (update.error.empty()) apply(user, update.partial);
  }

  // Merge `partial`, tell every app, and announce the capabilities of a new model.
  void apply(const User& user, const JsonValue& partial) {
    if (partial.empty()) return;
    auto& state = user_state<DeviceState>(user);
    const auto before = state.model();
    state.merge(partial);
    const auto after = state.model();
    if (JsonValue visible = visible_to_apps(partial); !visible.empty()) {
      state_updates_.add();
      user.broadcast_to_apps(device_state_frame(visible, false));
    }
    if (after && after != before) {
      capability_updates_.add();
      user.broadcast_to_apps(capabilities_frame(*after));
    }
    // Other plugins (display: drop events while disconnected) follow the whole state.
    user.emit("device.state", state.snapshot().dump());
  }

  Counter relayed_, state_updates_, capability_updates_, rest_rejected_;
};

}  // namespace

}  // namespace glasshub::device

GLASSHUB_PLUGIN(glasshub::device::DevicePlugin, "device", "1.0.0",
                "relays the glasses' events to subscribed apps; device state and capabilities")
