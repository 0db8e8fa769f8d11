#include "device_state.hpp"

#include <array>
#include <utility>

namespace glasshub::device {

namespace {

enum class Kind { boolean, number, string };

// GlassesInfo (§9.11) plus the phone's `deviceModel`, which is stored but never sets the model.
constexpr std::array<std::pair<std::string_view, Kind>, 26> kFields{{
    {"connected", Kind::boolean},       {"modelName", Kind::string},
    {"deviceModel", Kind::string},      {"androidVersion", Kind::string},
    {"fwVersion", Kind::string},        {"buildNumber", Kind::string},
    {"otaVersionUrl", Kind::string},    {"appVersion", Kind::string},
    {"bluetoothName", Kind::string},    {"serialNumber", Kind::string},
    {"style", Kind::string},            {"color", Kind::string},
    {"wifiConnected", Kind::boolean},   {"wifiSsid", Kind::string},
    {"wifiLocalIp", Kind::string},      {"batteryLevel", Kind::number},
    {"charging", Kind::boolean},        {"caseBatteryLevel", Kind::number},
    {"caseCharging", Kind::boolean},    {"caseOpen", Kind::boolean},
    {"caseRemoved", Kind::boolean},     {"hotspotEnabled", Kind::boolean},
    {"hotspotSsid", Kind::string},      {"hotspotPassword", Kind::string},
    {"hotspotGatewayIp", Kind::string}, {"timestamp", Kind::string},
}};

// Kept in the state, never sent to apps (SDK 2.1.29 does not expose it; apps have no need).
constexpr std::string_view kPrivateField = "hotspotPassword";

const Kind* kind_of(std::string_view key) {
  for (const auto& [name, kind] : kFields)
    if (name == key) return &kind;
  return nullptr;
}

bool has_kind(const JsonValue& v, Kind kind) {
  switch (kind) {
    case Kind::boolean: return v.is_boolean();
    case Kind::number: return v.is_number();
    case Kind::string: return v.is_string();
  }
  return false;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::boolean: return "a boolean";
    case Kind::number: return "a number";
    case Kind::string: return "a string";
  }
  return "?";
}

}  // namespace

std::optional<std::string> DeviceState::model() const {
  auto it = fields_.find("modelName");
  if (it == fields_.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return std::nullopt;
  return it->get<std::string>();
}

void DeviceState::merge(const JsonValue& partial) {
  for (const auto& [key, value] : partial.items()) fields_[key] = value;
}

JsonValue DeviceState::snapshot() const {
  JsonValue out = JsonValue::object();
  if (!fields_.contains("connected")) out["connected"] = false;
  for (const auto& [key, value] : fields_.items())
    if (key != kPrivateField) out[key] = value;
  return out;
}

Update normalize_update(std::string_view body) {
  Update u;
  JsonValue parsed = JsonValue::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    u.error = "Invalid JSON body";
    return u;
  }
  if (!parsed.is_object()) {
    u.error = "Device state must be a JSON object";
    return u;
  }
  for (auto& [key, value] : parsed.items()) {
    const Kind* kind = kind_of(key);
    if (!kind) continue;  // not a GlassesInfo field: ignored
    // Any field may be null ("unknown") except `connected`, which drives the model rules.
    if (!has_kind(value, *kind) && !(value.is_null() && key != "connected")) {
      u.error = "Field '" + key + "' must be " + kind_name(*kind);
      return u;
    }
    u.partial[key] = value;
  }
  if (auto it = u.partial.find("modelName"); it != u.partial.end()) {
    if (it->is_string() && it->get_ref<const std::string&>().empty()) *it = nullptr;
    const bool has_model = !it->is_null();
    // §9.11: a model without an explicit `connected` implies it; clearing the model clears it.
    if (!u.partial.contains("connected")) u.partial["connected"] = has_model;
  }
  return u;
}

JsonValue visible_to_apps(const JsonValue& partial) {
  if (!partial.contains(kPrivateField)) return partial;
  JsonValue out = partial;
  out.erase(std::string(kPrivateField));
  return out;
}

}  // namespace glasshub::device
