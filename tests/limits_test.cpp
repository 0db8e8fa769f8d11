// What a socket may not send: a message above websocket.maxMessageBytes (close 1009), a text
// frame that is not UTF-8 (close 1007), on both endpoints; and an app socket that never
// authenticates is not kept (close 1008 after app.sessionTimeoutMs).
#include "support/apps.hpp"
#include "support/prometheus.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";
constexpr std::size_t kMaxMessage = 4096;

// A JSON message of `type` padded to exactly `size` bytes.
std::string message_of_size(const std::string& type, std::size_t size) {
  const std::string head = R"({"type":")" + type + R"(","pad":")";
  const std::string tail = "\"}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

// "caf\xC3" and a lone continuation byte: not UTF-8.
const std::string kBadUtf8 = std::string(R"({"type":"my_event","s":"caf)") + "\xC3\x28\x80" + "\"}";

struct Setup {
  TestHost host{app_host_setup({{"websocket", {{"maxMessageBytes", kMaxMessage}}},
                                {"app", {{"sessionTimeoutMs", 400}}}})};
  WsClient phone = host.connect_phone(kUser);
  std::string sid = allow_app(phone);
};

}  // namespace

TEST_CASE("A phone message above maxMessageBytes closes the phone with 1009", "[limits]") {
  Setup s;
  s.phone.send_text(message_of_size("ping", kMaxMessage));  // at the limit: fine
  CHECK(s.phone.read_until_type("pong")["type"] == "pong");

  s.phone.send_text(message_of_size("ping", kMaxMessage + 1));
  CHECK(s.phone.expect_closed().code == 1009);
  CHECK(s.host.await_metric(rejected_series("glasses_message_too_big"), "1") == "1");
}

TEST_CASE("An app message above maxMessageBytes closes the app with 1009", "[limits]") {
  Setup s;
  auto app = connect_app(s.host.port(), s.sid);
  app.send_text(message_of_size("no_such_type", kMaxMessage));  // at the limit: answered
  CHECK(app.read_json()["code"] == "UNSUPPORTED_MESSAGE_TYPE");

  SECTION("text") { app.send_text(message_of_size("no_such_type", kMaxMessage + 1)); }
  SECTION("binary") { app.send_binary(std::string(kMaxMessage + 1, '\0')); }
  CHECK(app.expect_closed().code == 1009);
  CHECK(s.phone.is_open());
  CHECK(s.host.await_metric(rejected_series("app_message_too_big"), "1") == "1");
}

TEST_CASE("An oversized first frame closes an app socket with 1009 before any init", "[limits]") {
  Setup s;
  auto app = open_app_socket(s.host.port());
  app.send_text(message_of_size("tpa_connection_init", kMaxMessage + 1));
  CHECK(app.expect_closed().code == 1009);
}

TEST_CASE("A text frame that is not UTF-8 closes the socket with 1007", "[limits]") {
  Setup s;

  SECTION("phone") {
    s.phone.send_text(kBadUtf8);
    CHECK(s.phone.expect_closed().code == 1007);
    CHECK(s.host.await_metric(rejected_series("glasses_invalid_utf8"), "1") == "1");
  }
  SECTION("app, after its init") {
    auto app = connect_app(s.host.port(), s.sid);
    app.send_text(kBadUtf8);
    CHECK(app.expect_closed().code == 1007);
    CHECK(s.phone.is_open());
  }
  SECTION("app, before its init") {
    auto app = open_app_socket(s.host.port());
    app.send_text(kBadUtf8);
    CHECK(app.expect_closed().code == 1007);
    CHECK(s.host.await_metric(rejected_series("app_invalid_utf8"), "1") == "1");
  }
}

TEST_CASE("An app socket that never sends anything is closed after app.sessionTimeoutMs",
          "[limits][timeout]") {
  Setup s;
  const auto opened = Clock::now();
  auto silent = open_app_socket(s.host.port());
  const auto closed = silent.expect_closed(3s);
  const auto after = Clock::now() - opened;
  CHECK(closed.code == 1008);
  CHECK(closed.reason == "Connection initialization timeout");
  CHECK(after >= 350ms);
  CHECK(after < 1500ms);
}
