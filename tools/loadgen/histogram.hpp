// Latency histogram with a fixed footprint: exact below 256, then 128 linear buckets per power
// of two (relative error under 0.4 % at the bucket's middle). Per-thread instances are merged.
#pragma once

#include <array>
#include <cstdint>

namespace glasshub::loadgen {

class Histogram {
 public:
  void record(uint64_t value) noexcept;
  void merge(const Histogram& other) noexcept;

  uint64_t count() const noexcept { return count_; }
  uint64_t min() const noexcept { return count_ ? min_ : 0; }
  uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;
  // The value at or below which `percent` % of the recorded values lie (0 when empty).
  uint64_t percentile(double percent) const noexcept;

 private:
  static constexpr int kExactBits = 8;  // values below 256 have a bucket each
  static constexpr int kBuckets = (1 << kExactBits) + (64 - kExactBits) * (1 << (kExactBits - 1));

  static int index_of(uint64_t value) noexcept;
  static uint64_t middle_of(int index) noexcept;

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  double sum_ = 0;  // a mean needs no more (long double made record() x87 code)
};

}  // namespace glasshub::loadgen
