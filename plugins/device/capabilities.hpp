// Capability profiles of the known glasses models (protocol.md §9.12).
#pragma once

#include <optional>
#include <string_view>

namespace glasshub::device {

// The compact JSON capabilities object of `model_name`, or nothing for an unknown model (the
// reference's getCapabilities returns null for unknown names, §9.12 [QUIRK]). Static storage.
std::optional<std::string_view> capabilities_json(std::string_view model_name) noexcept;

}  // namespace glasshub::device
