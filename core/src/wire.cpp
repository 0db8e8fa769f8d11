#include <glasshub/core/wire.hpp>
#include <glasshub/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <random>

namespace glasshub::core {

std::string iso_timestamp() { return glasshub::iso_timestamp(); }

namespace {
void append_base36(std::string& out, uint64_t v, size_t min_width = 1) {
  char buf[16];
  size_t n = 0;
  do {
    buf[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  } while (v && n < sizeof buf);
  while (n < min_width) buf[n++] = '0';
  while (n) out += buf[--n];
}
}  // namespace

std::string make_correlation_id(std::string_view user_id) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(user_id.substr(0, 8));
  out += '-';
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  append_base36(out, static_cast<uint64_t>(ms));
  out += '-';
  append_base36(out, rng() % 2176782336ull, 6);  // 36^6
  return out;
}

std::string json_quote(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

std::string data_stream_envelope(std::string_view session_id, std::string_view stream_type,
                                 std::string_view data_json) {
  std::string out;
  out.reserve(96 + session_id.size() + stream_type.size() + data_json.size());
  out += R"({"type":"data_stream","sessionId":)";
  out += json_quote(session_id);
  out += R"(,"streamType":)";
  out += json_quote(stream_type);
  out += R"(,"data":)";
  out += data_json;
  out += R"(,"timestamp":")";
  out += iso_timestamp();
  out += "\"}";
  return out;
}

std::string app_error_frame(std::string_view code, std::string_view message) {
  return R"({"type":"tpa_connection_error","code":)" + json_quote(code) +
         R"(,"message":)" + json_quote(message) + R"(,"timestamp":")" + iso_timestamp() + "\"}";
}

std::string glasses_error_frame(std::string_view code, std::string_view message) {
  return R"({"type":"connection_error","code":)" + json_quote(code) + R"(,"message":)" +
         json_quote(message) + R"(,"timestamp":")" + iso_timestamp() + "\"}";
}

}  // namespace glasshub::core
