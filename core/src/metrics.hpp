// Counters behind /health (protocol.md §12.1): cheap atomics on the message path, mutexes only
// for rare events (connects, unrouted types, rejections).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>

namespace glasshub::core {

// A Prometheus-style histogram safe to observe from any thread (atomics, no lock).
class AtomicHistogram {
 public:
  explicit AtomicHistogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  // name_bucket{le=...}, name_sum, name_count lines; `labels` like `plugin="x"` or empty.
  void append_prometheus(std::string& out, std::string_view name, std::string_view labels) const;
  static std::vector<double> latency_seconds_bounds();

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Messages and bytes by endpoint, direction and catalog type: no lock and no allocation on the
// message path. Counts live in per-thread shards: the first threads to count each own a shard
// and bump it with a plain load and store (a locked add per counter was ~6 % of a core at
// saturation); later threads share shard 0 with atomic adds. Readers sum the shards.
class MessageCounters {
 public:
  MessageCounters();
  // `endpoint` 0 = glasses, 1 = app; `type` is looked up in the catalog (others are folded).
  void received(int endpoint, std::string_view type, uint64_t bytes) noexcept;
  void sent(int endpoint, std::string_view type, uint64_t bytes) noexcept;
  // The messages/bytes families, non-zero rows only.
  void append_prometheus(std::string& out) const;

 private:
  static constexpr std::size_t kShards = 16;
  void count(std::size_t row, std::size_t bytes_slot, uint64_t bytes) noexcept;
  uint64_t total(std::size_t slot) const noexcept;

  std::size_t stride_;        // catalog_size()
  std::size_t shard_len_;     // 4 * stride_ message counts, then 4 byte counts, padded
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // [shard][direction][endpoint][type], bytes
};

class HealthStats {
 public:
  HealthStats();

  MessageCounters messages;

  std::atomic<int64_t> glasses_connections{0};
  std::atomic<int64_t> app_connections{0};
  std::atomic<uint64_t> processed{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> dropped_unrouted{0};
  std::atomic<uint64_t> accepted[2] = {};  // [glasses, app] sockets that became connections
  std::atomic<uint64_t> send_refused{0};  // a socket's queue was full or it was closing

  void record_latency(double ms) noexcept;
  void phone_connected();
  void phone_disconnected();
  // A message whose type no handler owns (phone relays, app refusals).
  void count_unrouted(bool from_app, std::string_view type);
  void count_rejected(std::string_view reason);
  void count_disconnect(bool app, uint16_t close_code);
  void count_dropped(std::string_view reason);

  // Fills connections.{connectionsLastMinute,disconnectionsLastMinute}, messages.{avgLatencyMs,
  // p99LatencyMs}, adds unrouted types to messages.{glassesTypes,appTypes}.
  void fill(nlohmann::json& health) const;
  // Appends the counter families kept here to a Prometheus exposition.
  // `queue_full_drops` comes from the transport (Hub::TransportStats).
  void append_prometheus(std::string& out, uint64_t queue_full_drops) const;
  double uptime_seconds() const;

 private:
  struct Window {  // events per second over the last 60 s
    std::array<uint64_t, 60> counts{};
    std::array<int64_t, 60> second{};
    void add(int64_t now);
    uint64_t sum(int64_t now) const;
  };
  static int64_t now_seconds();

  std::array<std::atomic<float>, 100> latencies_{};
  std::atomic<uint64_t> latency_n_{0};
  mutable std::mutex mutex_;
  Window connects_, disconnects_;
  // Counters are atomics so that a thread's cached pointer (count_unrouted) bumps one without the
  // lock; nodes are never erased, so the pointers stay valid while this object lives.
  std::map<std::string, std::atomic<uint64_t>, std::less<>> unrouted_[2];
  const uint64_t serial_;  // tells a thread's cache this object from a later one at its address
  std::map<std::string, uint64_t, std::less<>> rejected_;
  std::map<uint16_t, uint64_t> disconnects_by_code_[2];
  std::map<std::string, uint64_t, std::less<>> dropped_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace glasshub::core
