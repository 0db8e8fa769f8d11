#include "delivery.hpp"

#include "host_api.hpp"
#include <glasshub/core/log.hpp>

#include <string>

namespace glasshub::core {

std::string_view frame_type(std::string_view frame, gh_frame_kind kind) noexcept {
  if (kind == GH_FRAME_BINARY) return GH_BINARY_FRAME_TYPE;
  constexpr std::string_view key = R"("type":")";
  const auto at = frame.find(key);
  if (at == std::string_view::npos) return {};
  const auto begin = at + key.size();
  const auto end = frame.find('"', begin);
  return end == std::string_view::npos ? std::string_view() : frame.substr(begin, end - begin);
}

bool deliver(HealthStats& stats, Connection& conn, gh_endpoint to, std::string_view user_id,
             std::string_view package, std::string_view frame, gh_frame_kind kind,
             gh_delivery delivery, std::string_view known_type) {
  const std::string_view type = known_type.empty() ? frame_type(frame, kind) : known_type;
  const uint64_t bytes = frame.size();
  const int endpoint = to == GH_ENDPOINT_APP ? 1 : 0;
  const bool queued = conn.send(frame, kind, delivery);
  if (!queued) {
    stats.send_refused.fetch_add(1, std::memory_order_relaxed);
  } else {
    stats.messages.sent(endpoint, type, bytes);
  }
  if (log_enabled(spdlog::level::debug)) {
    const CallContext* call = current_call();
    log_line(spdlog::level::debug, queued ? "send" : "send_refused",
             std::string(endpoint ? "app " : "glasses ") + std::string(type) + " (" +
                 std::to_string(bytes) + " bytes)",
             {.user_id = user_id,
              .package_name = package,
              .correlation_id = call ? call->correlation_id : std::string_view()});
  }
  return queued;
}

}  // namespace glasshub::core
