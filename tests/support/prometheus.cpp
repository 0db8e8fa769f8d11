#include "support/prometheus.hpp"

#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace glasshub::test {

double Exposition::value(const std::string& name,
                         const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return s.value;
  return std::nan("");
}

Exposition parse_prometheus(const std::string& text) {
  static const std::regex name_re(R"([a-zA-Z_:][a-zA-Z0-9_:]*)");
  static const std::regex label_re(R"([a-zA-Z_][a-zA-Z0-9_]*)");
  Exposition out;
  std::set<std::string> helped, finished, series;
  std::string current;  // family whose samples are being read
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // series -> (le, count)
  std::map<std::string, double> counts;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error("line " + std::to_string(number) + " (" + line + "): " + why);
    };
    if (line.empty()) fail("empty line");
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, name, rest;
      words >> hash >> kind >> name;
      std::getline(words, rest);
      if (kind != "HELP" && kind != "TYPE") fail("a comment other than HELP or TYPE");
      if (!std::regex_match(name, name_re)) fail("bad metric name");
      if (finished.count(name)) fail("family declared after its samples");
      if (kind == "HELP") {
        if (!helped.insert(name).second) fail("second HELP");
        if (rest.size() < 2) fail("empty HELP");
      } else {
        const std::string type = rest.empty() ? "" : rest.substr(1);
        if (type != "counter" && type != "gauge" && type != "histogram") fail("type " + type);
        if (!out.types.emplace(name, type).second) fail("second TYPE");
        if (type == "counter" && !name.ends_with("_total")) fail("counter without _total");
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!std::regex_match(s.name, name_re)) fail("bad sample name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without =");
        const std::string key = line.substr(i, eq - i);
        if (!std::regex_match(key, label_re)) fail("bad label name " + key);
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') fail("unquoted label value");
        std::string value;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\') {
            ++i;
            if (i >= line.size() || (line[i] != '\\' && line[i] != '"' && line[i] != 'n'))
              fail("bad escape");
          }
          value += line[i];
        }
        if (i >= line.size()) fail("unterminated label value");
        ++i;
        if (!s.labels.emplace(key, value).second) fail("label twice");
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated labels");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    const std::string value = line.substr(i + 1);
    if (value == "+Inf") {
      s.value = INFINITY;
    } else {
      size_t used = 0;
      try {
        s.value = std::stod(value, &used);
      } catch (const std::exception&) {
        fail("value is not a number");
      }
      if (used != value.size()) fail("trailing characters after the value");
    }
    // The family this sample belongs to: the one declared last.
    if (current.empty()) fail("sample before any TYPE");
    const std::string& type = out.types[current];
    std::string family = s.name;
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        if (s.name == current + suffix) family = current;
    }
    if (family != current) fail("sample outside its family " + current);
    if (type == "counter" && s.value < 0) fail("negative counter");
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    if (!series.insert(key).second) fail("series twice");
    if (type == "histogram") {
      std::string base = current;
      auto without_le = s.labels;
      without_le.erase("le");
      for (const auto& [k, v] : without_le) base += "|" + k + "=" + v;
      if (s.name == current + "_bucket") {
        if (!s.labels.count("le")) fail("bucket without le");
        const std::string& le = s.labels.at("le");
        buckets[base].emplace_back(le == "+Inf" ? INFINITY : std::stod(le), s.value);
      } else if (s.name == current + "_count") {
        counts[base] = s.value;
      }
    }
    out.samples.push_back(std::move(s));
  }
  for (const auto& [base, list] : buckets) {
    for (size_t i = 1; i < list.size(); ++i)
      if (list[i].first <= list[i - 1].first || list[i].second < list[i - 1].second)
        throw std::runtime_error(base + ": buckets not increasing and cumulative");
    if (list.empty() || !std::isinf(list.back().first))
      throw std::runtime_error(base + ": no le=\"+Inf\" bucket");
    if (!counts.count(base) || counts[base] != list.back().second)
      throw std::runtime_error(base + ": _count differs from the +Inf bucket");
  }
  return out;
}

std::string rejected_series(const std::string& reason) {
  return "glasshub_connections_rejected_total{reason=\"" + reason + "\"}";
}

}  // namespace glasshub::test
