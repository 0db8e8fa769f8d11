// A strict reader of the Prometheus text exposition format 0.0.4, for tests of /metrics.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace glasshub::test {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter | gauge | histogram
  std::vector<Sample> samples;

  // The value of the one sample `name` with exactly `labels`, or NaN.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const;
};

// Parses `text` or throws std::runtime_error naming the line and the rule it breaks: HELP and TYPE
// once per family and before its samples, a family's samples together, names and label names of
// the allowed characters, label values quoted with only \\ \" \n escapes, one number per sample,
// counters ending in _total, histograms with _bucket (le, cumulative, ending at +Inf equal to
// _count), _sum and _count, no series twice.
Exposition parse_prometheus(const std::string& text);

// The series glasshub_connections_rejected_total{reason="`reason`"}, as TestHost::metric takes it.
std::string rejected_series(const std::string& reason);

}  // namespace glasshub::test
