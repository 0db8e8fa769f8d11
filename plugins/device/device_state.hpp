// One user's glasses as the host knows them: GlassesInfo of protocol.md §9.11, merged from the
// phone's REST updates and glasses_connection_state messages.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace glasshub::device {

// Insertion-ordered, so snapshots list fields in the order they were first reported.
using JsonValue = nlohmann::ordered_json;

class DeviceState {
 public:
  // The model whose capabilities apply: `modelName` when it is a non-empty string.
  std::optional<std::string> model() const;
  // Overwrite every field of `partial` (a normalized update, see normalize_update).
  void merge(const JsonValue& partial);
  // The whole state for a fullSnapshot, as apps may see it: always has `connected`.
  JsonValue snapshot() const;

 private:
  JsonValue fields_ = JsonValue::object();
};

// A partial GlassesInfo from the REST body, normalized (§9.11): unknown keys dropped, an empty
// modelName made null, `connected` implied by modelName when absent. `error` is set instead when
// the body is not a JSON object or a known field has the wrong type.
struct Update {
  JsonValue partial = JsonValue::object();
  std::string error;
};
Update normalize_update(std::string_view body);

// The part of `partial` apps may see (fields apps have no use for, such as the hotspot password,
// stay in the host).
JsonValue visible_to_apps(const JsonValue& partial);

}  // namespace glasshub::device
