#include <glasshub/core/wire.hpp>
#include <glasshub/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <time.h>

namespace glasshub::core {

// glasshub::iso_timestamp()'s format, with the date and time formatted once per second per thread:
// the relay path stamps every delivery (data_stream), and gmtime_r + snprintf per delivery were
// ~5 % of the host's time at saturation (docs/benchmarks.md). Only the milliseconds change within
// a second.
void append_iso_timestamp(std::string& out) {
  thread_local int64_t cached_secs = -1;
  thread_local char prefix[96] = {};  // "YYYY-MM-DDTHH:MM:SS."
  thread_local std::size_t prefix_len = 0;
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const int64_t secs = ms / 1000;
  if (secs != cached_secs) {
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int n = std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d.",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                tm.tm_min, tm.tm_sec);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof prefix) {
      out += glasshub::iso_timestamp();
      return;
    }
    prefix_len = static_cast<std::size_t>(n);
    cached_secs = secs;
  }
  const int milli = static_cast<int>(ms % 1000);
  out.append(prefix, prefix_len);
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
}

std::string iso_timestamp() {
  std::string out;
  out.reserve(24);
  append_iso_timestamp(out);
  return out;
}

namespace {
// Writes `v` in base 36 at `out`; returns the end.
char* append_base36(char* out, uint64_t v) {
  char buf[16];
  size_t n = 0;
  do {
    buf[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  } while (v && n < sizeof buf);
  while (n) *out++ = buf[--n];
  return out;
}
}  // namespace

CorrelationId::CorrelationId(std::string_view user_id) noexcept {
  // xorshift64*, seeded once per thread: an id needs no statistical quality, and a Mersenne
  // twister step per message was 4 % of a core at saturation.
  thread_local uint64_t state = std::random_device{}() | 1;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  // The coarse clock (the last tick, a few ms old at most) is enough for an id, and its base-36
  // text is made once per tick per thread: this runs once per received message.
  thread_local uint64_t last_ms = ~uint64_t{0};
  thread_local char ms_text[16];
  thread_local std::size_t ms_len = 0;
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  const auto ms = static_cast<uint64_t>(now.tv_sec) * 1000 + static_cast<uint64_t>(now.tv_nsec) / 1000000;
  if (ms != last_ms) {
    ms_len = static_cast<std::size_t>(append_base36(ms_text, ms) - ms_text);
    last_ms = ms;
  }
  const auto prefix = user_id.substr(0, 8);
  char* p = std::copy(prefix.begin(), prefix.end(), data_);
  *p++ = '-';
  p = std::copy(ms_text, ms_text + ms_len, p);
  *p++ = '-';
  // Six base-36 digits of a 32-bit fraction, one multiply each (no division).
  uint64_t r = (state * 0x2545F4914F6CDD1Dull) >> 32;
  for (int i = 0; i < 6; ++i) {
    r *= 36;
    p[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[r >> 32];
    r &= 0xFFFFFFFFu;
  }
  size_ = static_cast<std::size_t>(p + 6 - data_);
}

// A table lookup per byte: quoting ids and stream types is common, escaping them rare.
bool json_plain(std::string_view s) noexcept {
  static constexpr auto as_is = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return as_is[static_cast<unsigned char>(c)]; });
}

void append_json_quoted(std::string& out, std::string_view s) {
  // Printable ASCII without '"' or '\\' (session ids, stream types, package names) quotes as it
  // is: the same bytes as the general path below, without building a json value per call.
  if (json_plain(s)) {
    out += '"';
    out.append(s);
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_quoted(out, s);
  return out;
}

void append_data_stream_head(std::string& out, std::string_view session_id,
                             std::string_view stream_type) {
  out += R"({"type":"data_stream","sessionId":)";
  append_json_quoted(out, session_id);
  out += R"(,"streamType":)";
  append_json_quoted(out, stream_type);
  out += R"(,"data":)";
}

void append_data_stream_tail(std::string& out, std::string_view timestamp) {
  out += R"(,"timestamp":")";
  if (timestamp.empty()) append_iso_timestamp(out);
  else out += timestamp;
  out += "\"}";
}

std::string data_stream_envelope(std::string_view session_id, std::string_view stream_type,
                                 std::string_view data_json) {
  std::string out;
  out.reserve(96 + session_id.size() + stream_type.size() + data_json.size());
  append_data_stream_head(out, session_id, stream_type);
  out += data_json;
  append_data_stream_tail(out);
  return out;
}

namespace {
std::string error_frame(std::string_view type, std::string_view code, std::string_view message,
                        std::string_view correlation_id) {
  std::string out = R"({"type":")";
  out.append(type).append(R"(","code":)").append(json_quote(code));
  out.append(R"(,"message":)").append(json_quote(message));
  if (!correlation_id.empty()) out.append(R"(,"correlationId":)").append(json_quote(correlation_id));
  out.append(R"(,"timestamp":")").append(iso_timestamp()).append("\"}");
  return out;
}
}  // namespace

std::string app_error_frame(std::string_view code, std::string_view message,
                            std::string_view correlation_id) {
  return error_frame("tpa_connection_error", code, message, correlation_id);
}

std::string glasses_error_frame(std::string_view code, std::string_view message,
                                std::string_view correlation_id) {
  return error_frame("connection_error", code, message, correlation_id);
}

}  // namespace glasshub::core
