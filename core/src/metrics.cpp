#include "metrics.hpp"

#include "message_catalog.hpp"
#include "short_strings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace glasshub::core {

namespace {
constexpr size_t kMaxUnroutedTypes = 256;  // bounded: types come from clients
double round2(double v) { return std::round(v * 100.0) / 100.0; }
}  // namespace

namespace {
std::atomic<uint64_t> next_stats_serial{1};
}  // namespace

HealthStats::HealthStats()
    : serial_(next_stats_serial.fetch_add(1, std::memory_order_relaxed)),
      start_(std::chrono::steady_clock::now()) {}

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
  // The last type each thread counted, per direction: a relayed stream is mostly one type after
  // another, and the lock and map search per relayed frame were ~2 % of a core at saturation.
  struct last_counter {
    uint64_t serial = 0;
    short_name name;
    std::atomic<uint64_t>* counter = nullptr;
  };
  thread_local last_counter last[2];
  last_counter& c = last[from_app ? 1 : 0];
  if (c.serial == serial_ && c.name.is(type)) {
    c.counter->fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::atomic<uint64_t>* counter;
  {
    std::lock_guard lock(mutex_);
    auto& m = unrouted_[from_app ? 1 : 0];
    auto it = m.find(type);
    if (it == m.end())
      it = m.try_emplace(m.size() < kMaxUnroutedTypes ? std::string(type) : std::string("(other)"))
               .first;
    counter = &it->second;
    counter->fetch_add(1, std::memory_order_relaxed);
  }
  if (!c.name.keep(type)) return;  // not remembered (types this long are rare)
  c.serial = serial_;
  c.counter = counter;
}

namespace {
void bump(std::map<std::string, uint64_t, std::less<>>& counts, std::string_view key) {
  auto it = counts.find(key);
  if (it != counts.end())
    ++it->second;
  else
    counts.emplace(std::string(key), 1);
}
}  // namespace

void HealthStats::count_rejected(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(rejected_, reason);
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
      types[type] = cur + count.load(std::memory_order_relaxed);
    }
  }
}

namespace {
// The last type a thread counted at one call site, and its catalog index: traffic is mostly one
// type after another, and a catalog search per frame was several string compares.
struct last_type {
  short_name name;
  std::size_t index = 0;

  std::size_t of(std::string_view type) noexcept {
    if (name.is(type)) return index;
    index = catalog_index(type);
    name.keep(type);
    return index;
  }
};
}  // namespace

namespace {
// This thread's shard in every MessageCounters: 1.. for the first threads that count, 0 (shared,
// atomic adds) for the rest.
std::atomic<std::size_t> next_counter_shard{1};
std::size_t counter_shard(std::size_t shards) noexcept {
  thread_local const std::size_t mine = next_counter_shard.fetch_add(1, std::memory_order_relaxed);
  return mine < shards ? mine : 0;
}
}  // namespace

MessageCounters::MessageCounters()
    : stride_(catalog_size()),
      shard_len_((4 * stride_ + 4 + 7) / 8 * 8),  // cache-line multiples: shards meet at one line
      counts_(std::make_unique<std::atomic<uint64_t>[]>(kShards * shard_len_)) {}

void MessageCounters::count(std::size_t row, std::size_t bytes_slot, uint64_t bytes) noexcept {
  const std::size_t shard = counter_shard(kShards);
  std::atomic<uint64_t>* c = &counts_[shard * shard_len_];
  std::atomic<uint64_t>& n = c[row];
  std::atomic<uint64_t>& b = c[4 * stride_ + bytes_slot];
  if (shard != 0) {  // this thread is the shard's only writer
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    b.store(b.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
  } else {
    n.fetch_add(1, std::memory_order_relaxed);
    b.fetch_add(bytes, std::memory_order_relaxed);
  }
}

uint64_t MessageCounters::total(std::size_t slot) const noexcept {
  uint64_t sum = 0;
  for (std::size_t shard = 0; shard < kShards; ++shard)
    sum += counts_[shard * shard_len_ + slot].load(std::memory_order_relaxed);
  return sum;
}

void MessageCounters::received(int endpoint, std::string_view type, uint64_t bytes) noexcept {
  thread_local last_type last;
  count(static_cast<size_t>(endpoint) * stride_ + last.of(type), static_cast<size_t>(endpoint),
        bytes);
}

void MessageCounters::sent(int endpoint, std::string_view type, uint64_t bytes) noexcept {
  thread_local last_type last;
  count(static_cast<size_t>(2 + endpoint) * stride_ + last.of(type),
        static_cast<size_t>(2 + endpoint), bytes);
}

void MessageCounters::append_prometheus(std::string& out) const {
  static constexpr const char* endpoints[] = {"glasses", "app"};
  static constexpr const char* names[] = {"glasshub_messages_received_total",
                                          "glasshub_messages_sent_total"};
  static constexpr const char* helps[] = {
      "Messages received, by endpoint and the protocol catalog's family and type.",
      "Messages sent, by endpoint and the protocol catalog's family and type."};
  const CatalogType* types = catalog_types();
  for (int dir = 0; dir < 2; ++dir) {
    out.append("# HELP ").append(names[dir]).append(" ").append(helps[dir]).append("\n");
    out.append("# TYPE ").append(names[dir]).append(" counter\n");
    for (int ep = 0; ep < 2; ++ep)
      for (size_t i = 0; i < stride_; ++i) {
        const uint64_t n = total(static_cast<size_t>(dir * 2 + ep) * stride_ + i);
        if (n == 0) continue;
        out.append(names[dir]).append("{endpoint=\"").append(endpoints[ep]);
        out.append("\",family=\"").append(types[i].family).append("\",type=\"");
        out.append(types[i].type).append("\"} ").append(std::to_string(n)).append("\n");
      }
  }
  static constexpr const char* byte_names[] = {"glasshub_received_bytes_total",
                                               "glasshub_sent_bytes_total"};
  for (int dir = 0; dir < 2; ++dir) {
    out.append("# HELP ").append(byte_names[dir]).append(" WebSocket message payload bytes.\n");
    out.append("# TYPE ").append(byte_names[dir]).append(" counter\n");
    for (int ep = 0; ep < 2; ++ep)
      out.append(byte_names[dir]).append("{endpoint=\"").append(endpoints[ep]).append("\"} ")
          .append(std::to_string(total(4 * stride_ + static_cast<size_t>(dir * 2 + ep))))
          .append("\n");
  }
}

}  // namespace glasshub::core

namespace glasshub::core {

AtomicHistogram::AtomicHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

std::vector<double> AtomicHistogram::latency_seconds_bounds() {
  return {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
          0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25};
}

void AtomicHistogram::observe(double v) noexcept {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                 bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

namespace {
std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
}  // namespace

void AtomicHistogram::append_prometheus(std::string& out, std::string_view name,
                                        std::string_view labels) const {
  // Plain appends: GCC 12 at -O3 reports a false -Wrestrict on some `"..." + std::string` chains.
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.append(name).append("_bucket{").append(labels);
    if (!labels.empty()) out.append(",");
    out.append("le=\"").append(i < bounds_.size() ? fmt_double(bounds_[i]) : "+Inf");
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  for (const char* suffix : {"_sum", "_count"}) {
    out.append(name).append(suffix);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(suffix[1] == 's' ? fmt_double(sum_.load())
                                             : std::to_string(count_.load()));
    out.append("\n");
  }
}

void HealthStats::count_disconnect(bool app, uint16_t close_code) {
  std::lock_guard lock(mutex_);
  ++disconnects_by_code_[app ? 1 : 0][close_code];
}

void HealthStats::count_dropped(std::string_view reason) {
  std::lock_guard lock(mutex_);
  bump(dropped_, reason);
}

void HealthStats::append_prometheus(std::string& out, uint64_t queue_full_drops) const {
  messages.append_prometheus(out);
  std::lock_guard lock(mutex_);
  out += "# HELP glasshub_connections_rejected_total Connection attempts refused, by reason.\n"
         "# TYPE glasshub_connections_rejected_total counter\n";
  for (const auto& [reason, n] : rejected_)
    out += "glasshub_connections_rejected_total{reason=\"" + reason + "\"} " +
           std::to_string(n) + "\n";
  out += "# HELP glasshub_disconnects_total Closed sockets, by endpoint and close code.\n"
         "# TYPE glasshub_disconnects_total counter\n";
  for (int app = 0; app < 2; ++app)
    for (const auto& [code, n] : disconnects_by_code_[app])
      out += std::string("glasshub_disconnects_total{endpoint=\"") + (app ? "app" : "glasses") +
             "\",code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP glasshub_messages_dropped_total Frames not delivered, by reason.\n"
         "# TYPE glasshub_messages_dropped_total counter\n";
  out += "glasshub_messages_dropped_total{reason=\"unrouted_binary\"} " +
         std::to_string(dropped_unrouted.load()) + "\n";
  // Every refused send counts as send_refused in the core; those the transport dropped at the
  // byte cap are told apart here, so the reasons add up to the frames lost.
  const uint64_t refused = send_refused.load();
  out += "glasshub_messages_dropped_total{reason=\"queue_full\"} " +
         std::to_string(std::min(refused, queue_full_drops)) + "\n";
  out += "glasshub_messages_dropped_total{reason=\"send_refused\"} " +
         std::to_string(refused - std::min(refused, queue_full_drops)) + "\n";
  for (const auto& [reason, n] : dropped_)
    out += "glasshub_messages_dropped_total{reason=\"" + reason + "\"} " + std::to_string(n) +
           "\n";
  out += "# HELP glasshub_messages_unrouted_total Messages of a type no plugin handles.\n"
         "# TYPE glasshub_messages_unrouted_total counter\n";
  for (int app = 0; app < 2; ++app) {
    uint64_t total = 0;
    for (const auto& [type, n] : unrouted_[app]) total += n.load(std::memory_order_relaxed);
    out += std::string("glasshub_messages_unrouted_total{endpoint=\"") +
           (app ? "app" : "glasses") + "\"} " + std::to_string(total) + "\n";
  }
}

}  // namespace glasshub::core
