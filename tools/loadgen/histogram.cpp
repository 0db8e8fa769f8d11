#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace glasshub::loadgen {

namespace {
constexpr int kHalf = 1 << 7;  // sub-buckets per power of two above the exact range
}

int Histogram::index_of(uint64_t value) noexcept {
  if (value < (1u << kExactBits)) return static_cast<int>(value);
  const int msb = 63 - std::countl_zero(value);  // >= kExactBits
  const int shift = msb - (kExactBits - 1);
  const int top = static_cast<int>(value >> shift);  // in [128, 256)
  return (1 << kExactBits) + (msb - kExactBits) * kHalf + (top - kHalf);
}

uint64_t Histogram::middle_of(int index) noexcept {
  if (index < (1 << kExactBits)) return static_cast<uint64_t>(index);
  const int rel = index - (1 << kExactBits);
  const int msb = kExactBits + rel / kHalf;
  const int shift = msb - (kExactBits - 1);
  const uint64_t top = static_cast<uint64_t>(kHalf + rel % kHalf);
  const uint64_t low = top << shift;
  return low + ((uint64_t{1} << shift) >> 1);
}

void Histogram::record(uint64_t value) noexcept {
  ++counts_[static_cast<std::size_t>(index_of(value))];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value);
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const noexcept {
  return count_ ? sum_ / static_cast<double>(count_) : 0.0;
}

uint64_t Histogram::percentile(double percent) const noexcept {
  if (count_ == 0) return 0;
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(middle_of(static_cast<int>(i)), min_, max_);
  }
  return max_;
}

}  // namespace glasshub::loadgen
