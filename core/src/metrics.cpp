#include "metrics.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace glasshub::core {

namespace {
constexpr size_t kMaxUnroutedTypes = 256;  // bounded: types come from clients
double round2(double v) { return std::round(v * 100.0) / 100.0; }
}  // namespace

HealthStats::HealthStats() : start_(std::chrono::steady_clock::now()) {}

int64_t HealthStats::now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void HealthStats::Window::add(int64_t now) {
  size_t i = static_cast<size_t>(now % 60);
  if (second[i] != now) {
    second[i] = now;
    counts[i] = 0;
  }
  ++counts[i];
}

uint64_t HealthStats::Window::sum(int64_t now) const {
  uint64_t total = 0;
  for (size_t i = 0; i < 60; ++i)
    if (now - second[i] < 60) total += counts[i];
  return total;
}

void HealthStats::record_latency(double ms) noexcept {
  uint64_t n = latency_n_.fetch_add(1, std::memory_order_relaxed);
  latencies_[n % latencies_.size()].store(static_cast<float>(ms), std::memory_order_relaxed);
}

void HealthStats::phone_connected() {
  std::lock_guard lock(mutex_);
  connects_.add(now_seconds());
}

void HealthStats::phone_disconnected() {
  std::lock_guard lock(mutex_);
  disconnects_.add(now_seconds());
}

void HealthStats::count_unrouted(bool from_app, std::string_view type) {
  std::lock_guard lock(mutex_);
  auto& m = unrouted_[from_app ? 1 : 0];
  auto it = m.find(type);
  if (it != m.end()) {
    ++it->second;
  } else if (m.size() < kMaxUnroutedTypes) {
    m.emplace(std::string(type), 1);
  } else {
    ++m["(other)"];
  }
}

void HealthStats::count_rejected(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = rejected_.find(reason);
  if (it != rejected_.end())
    ++it->second;
  else
    rejected_.emplace(std::string(reason), 1);
}

double HealthStats::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void HealthStats::fill(nlohmann::json& h) const {
  uint64_t n = std::min<uint64_t>(latency_n_.load(), latencies_.size());
  std::vector<double> lat;
  lat.reserve(n);
  for (size_t i = 0; i < n; ++i) lat.push_back(latencies_[i].load(std::memory_order_relaxed));
  std::sort(lat.begin(), lat.end());
  double avg = 0, p99 = 0;
  if (!lat.empty()) {
    for (double v : lat) avg += v;
    avg /= static_cast<double>(lat.size());
    p99 = lat[std::min(lat.size() - 1, static_cast<size_t>(std::floor(lat.size() * 0.99)))];
  }
  h["messages"]["avgLatencyMs"] = round2(avg);
  h["messages"]["p99LatencyMs"] = round2(p99);
  std::lock_guard lock(mutex_);
  int64_t now = now_seconds();
  h["connections"]["connectionsLastMinute"] = connects_.sum(now);
  h["connections"]["disconnectionsLastMinute"] = disconnects_.sum(now);
  for (int app = 0; app < 2; ++app) {
    auto& types = h["messages"][app ? "appTypes" : "glassesTypes"];
    for (const auto& [type, count] : unrouted_[app]) {
      auto cur = types.value(type, uint64_t{0});
      types[type] = cur + count;
    }
  }
  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [reason, count] : rejected_) rejected[reason] = count;
  h["connections"]["rejected"] = rejected;
}

}  // namespace glasshub::core
