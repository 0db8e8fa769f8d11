// The relay of phone types no plugin handles (protocol.md §2): checked without a DOM
// (core/src/relay_scan.cpp), so everything the full parser refuses must still be refused here,
// and what it accepts must reach the subscribed app byte for byte.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace glasshub::test;

namespace {

struct Setup : PhoneAndApp {
  Setup() { subscribe(app, sid, {"bulk", "other"}); }

  // What the app got (data_stream payloads) and the phone's errors, after `raw` from the phone.
  std::pair<std::vector<nlohmann::json>, std::vector<nlohmann::json>> send(const std::string& raw) {
    phone.send_text(raw);
    auto errors = of_type(sync_phone(phone), "connection_error");
    return {of_type(sync_app(app), "data_stream"), errors};
  }
};

}  // namespace

TEST_CASE("A well-formed relayed message reaches the app with its bytes spliced in", "[relay]") {
  Setup s;
  const std::string raw = R"({"type":"bulk","n":1.5e3,"s":"caf\u00e9 \"q\"","a":[true,null,{}]})";
  auto [relayed, errors] = s.send(raw);
  REQUIRE(relayed.size() == 1);
  CHECK(errors.empty());
  CHECK(relayed[0]["streamType"] == "bulk");
  CHECK(relayed[0]["data"] == nlohmann::json::parse(raw));
}

TEST_CASE("What the full parser refuses is refused on the relay path too", "[relay]") {
  Setup s;
  std::string raw;
  std::string why;
  SECTION("a missing value") { raw = R"({"type":"bulk","x":})", why = "not valid JSON"; }
  SECTION("trailing bytes") { raw = R"({"type":"bulk"}{"x":1})", why = "not valid JSON"; }
  SECTION("an unterminated object") { raw = R"({"type":"bulk","x":[1,2)", why = "not valid JSON"; }
  SECTION("a bad escape") { raw = R"({"type":"bulk","x":"\q"})", why = "not valid JSON"; }
  SECTION("nesting past websocket.maxJsonDepth") {
    raw = R"({"type":"bulk","x":)" + std::string(70, '[') + std::string(70, ']') + "}";
    why = "nested too deeply";
  }
  auto [relayed, errors] = s.send(raw);
  CHECK(relayed.empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["code"] == "MALFORMED_MESSAGE");
  CHECK(errors[0]["message"].get<std::string>().find(why) != std::string::npos);
}

TEST_CASE("A repeated type key routes by the last one, as the full parser does", "[relay]") {
  Setup s;
  auto [relayed, errors] = s.send(R"({"type":"bulk","x":1,"type":"other"})");
  REQUIRE(relayed.size() == 1);
  CHECK(relayed[0]["streamType"] == "other");
  CHECK(errors.empty());
}
