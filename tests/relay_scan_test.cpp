// The relay's validating scan (core/src/relay_scan.cpp) against the full parser it stands in
// for: whatever the scan accepts, nlohmann accepts with the same type; on text without escapes
// they agree exactly. Hand-picked edge cases, then thousands of seeded mutations of real messages.
#include "json_depth.hpp"
#include "relay_scan.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

using glasshub::core::is_object_of_type;
using glasshub::core::peek_type;

namespace {

constexpr std::size_t kDepth = 8;

// What Dispatch's full path concludes: a JSON object within the depth whose "type" is `type`.
bool full_parser_agrees(const std::string& text, std::string_view type) {
  if (glasshub::core::json_nesting_exceeds(text, kDepth)) return false;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  const auto it = doc.find("type");
  return it != doc.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}

void check(const std::string& text) {
  const std::string_view type = peek_type(text);
  if (type.empty()) return;  // the full path handles it
  const bool scan = is_object_of_type(text, type, kDepth);
  const bool full = full_parser_agrees(text, type);
  INFO("text: " << text);
  if (scan) CHECK(full);  // never relay what the parser refuses
  if (text.find('\\') == std::string::npos) CHECK(scan == full);
}

const std::vector<std::string> kSeeds = {
    R"({"type":"bulk"})",
    R"({"type":"bulk","seq":12,"sentAt":1764130000123,"pad":"xxxx"})",
    R"({"type":"location_update","lat":48.8566,"lng":2.3522,"accuracy":5.0e0})",
    R"({"type":"glasses_battery_update","level":87,"charging":false,"timeRemaining":null})",
    R"({"type":"head_position","position":"up","meta":{"a":[1,2,{"b":[true]}]}})",
    R"({"type":"button_press","buttonId":"main","pressType":"long","x":-0.5E-3})",
    R"({"type":"vad","status":true,"arr":[],"obj":{}})",
    R"( {"type":"bulk" , "s":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/"} )",
    // Strings and digit runs longer than the scan's 8-byte steps, and UTF-8 inside a string.
    R"({"type":"bench_event_long_name","u":12,"seq":1234567890123,"t":17641300001234567,"m":1})",
    "{\"type\":\"bulk\",\"text\":\"the quick brown fox jumps over caf\xc3\xa9 \xf0\x9f\x98\x80 lazy "
    "dogs\",\"n\":-12345678901234567890.123456789e-12}",
};

}  // namespace

TEST_CASE("The relay scan agrees with the full parser on edge cases", "[relay]") {
  const std::vector<std::string> cases = {
      R"({"type":"a"})", R"({"type":"a",})", R"({"type":"a"}x)", R"({"type":"a"} )",
      R"({"type":"a","type":"b"})", R"({"type":"a","type":1})", R"({"type":"a","x":01})",
      R"({"type":"a","x":1.})", R"({"type":"a","x":.5})", R"({"type":"a","x":-})",
      R"({"type":"a","x":1e})", R"({"type":"a","x":1e+})", R"({"type":"a","x":1e999})",
      R"({"type":"a","x":-1e999})", R"({"type":"a","x":123456789012345678901234567890})",
      R"({"type":"a","x":1e308})", R"({"type":"a","x":tru})", R"({"type":"a","x":nul})",
      R"({"type":"a","x":"\ud800"})", R"({"type":"a","x":"\udc00"})",
      R"({"type":"a","x":"\ud800\u0041"})", R"({"type":"a","x":"\x"})",
      R"({"type":"a","x":"tab	in"})", R"({"type":"a","x":[1,]})", R"({"type":"a","x":[,1]})",
      R"({"type":"a","x":{"y":1,}})", R"({"type":"a","x":{1:2}})", R"({"type":"a" "x":1})",
      R"({"type":"a","x":[[[[[[[1]]]]]]]})", R"({"type":"a","x":[[[[[[[[1]]]]]]]]})",
      R"({"type":"a","typ\u0065":"b"})", R"({"type":"a\u0062"})", R"({"type":"a","x":"ok"})",
      std::string(R"({"type":"a","x":")") + '\0' + "\"}",
  };
  for (const auto& c : cases) check(c);
  // Each stop byte at each offset of a long string and a long number: the scan's word steps
  // must find the first one wherever it falls.
  const std::string word = "abcdefghijklmnopqrstuvwx";
  const std::string digits = "123456789012345678901234";
  for (const char stop : {'"', '\\', '\x1f', '\x01', '\x7f', ' ', '/', ':', 'a'})
    for (std::size_t at = 0; at <= word.size(); ++at) {
      check(R"({"type":"a","x":")" + word.substr(0, at) + stop + word.substr(at) + R"("})");
      check(R"({"type":"a","x":)" + digits.substr(0, at) + stop + digits.substr(at) + "}");
      check(R"({"type":"a","x":)" + digits.substr(0, at) + stop + "}");
    }
}

TEST_CASE("The relay scan agrees with the full parser on mutated messages", "[relay]") {
  std::mt19937 rng(20261126);
  const std::string alphabet = std::string(R"({}[]:,"\ 0123456789-+.eEtrufalsn/x)") + "\x1f\x7f";
  for (const auto& seed : kSeeds) check(seed);
  for (int i = 0; i < 20000; ++i) {
    std::string text = kSeeds[rng() % kSeeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      // Keep the `{"type":"` prefix so the scan is what decides.
      const std::size_t lo = 9;
      if (text.size() <= lo) break;
      const std::size_t at = lo + rng() % (text.size() - lo);
      // Never split a UTF-8 sequence: the WebSocket layer refuses such text before the scan.
      if (static_cast<unsigned char>(text[at]) >= 0x80) continue;
      switch (rng() % 3) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    check(text);
  }
}
