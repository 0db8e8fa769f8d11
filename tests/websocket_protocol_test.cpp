// RFC 6455 as the host's own WebSocket layer speaks it (host/src/ws_frame.cpp, ws_connection.cpp):
// fragmented messages, control frames between fragments, and every framing violation a client can
// commit, each answered with the close code the RFC names while other sockets stay up.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace glasshub::test;

namespace {

using Setup = PhoneAndApp;

// The app socket answers a type nobody handles by naming it: proof the message arrived whole.
void expect_unsupported(WsClient& app, const std::string& type) {
  const auto err = app.read_until_type("tpa_connection_error");
  CHECK(err["code"] == "UNSUPPORTED_MESSAGE_TYPE");
  CHECK(err["message"].get<std::string>().find(type) != std::string::npos);
}

// A frame whose mask bit is clear: client_frame() with the mask bit and key removed.
std::string unmasked_text(std::string_view payload) {
  std::string f;
  f += static_cast<char>(0x81);
  f += static_cast<char>(payload.size());
  f.append(payload);
  return f;
}

}  // namespace

TEST_CASE("A message in fragments is delivered whole, with pings between the fragments",
          "[websocket]") {
  Setup s;
  const std::string type = "fragmented_type_abc";
  const std::string msg = R"({"type":")" + type + R"(","n":1})";
  s.app.send_raw(client_frame(msg.substr(0, 5), Opcode::text, false) +
                 client_frame("p1", Opcode::ping) +
                 client_frame(msg.substr(5, 12), Opcode::continuation, false) +
                 client_frame("p2", Opcode::ping) +
                 client_frame(msg.substr(17), Opcode::continuation, true));
  expect_unsupported(s.app, type);
  std::vector<std::string> pongs;
  for (const auto& c : s.app.control_frames())
    if (c.kind == ControlFrame::Kind::pong) pongs.push_back(c.payload);
  CHECK(pongs == std::vector<std::string>{"p1", "p2"});
}

TEST_CASE("A UTF-8 sequence split across fragments is valid; a broken one closes with 1007",
          "[websocket]") {
  Setup s;
  const std::string e_acute = "\xC3\xA9";
  SECTION("split") {
    const std::string type = "caf" + e_acute;
    const std::string msg = R"({"type":")" + type + R"("})";
    const auto cut = msg.find('\xC3') + 1;  // between the two bytes of é
    s.app.send_raw(client_frame(msg.substr(0, cut), Opcode::text, false) +
                   client_frame(msg.substr(cut), Opcode::continuation, true));
    expect_unsupported(s.app, type);
  }
  SECTION("broken") {
    s.app.send_raw(client_frame(R"({"type":"caf)" + std::string("\xC3"), Opcode::text, false) +
                   client_frame("(\"}", Opcode::continuation, true));
    CHECK(s.app.expect_closed().code == 1007);
    CHECK(s.phone.is_open());
  }
}

TEST_CASE("Framing violations close with 1002 and touch no other socket", "[websocket]") {
  Setup s;
  std::string bad;
  SECTION("an unmasked frame") { bad = unmasked_text(R"({"type":"x"})"); }
  SECTION("a reserved bit without an extension") {
    bad = client_frame(R"({"type":"x"})");
    bad[0] = static_cast<char>(bad[0] | 0x40);  // RSV1: permessage-deflate was not agreed
  }
  SECTION("an unknown opcode") {
    bad = client_frame("x");
    bad[0] = static_cast<char>((bad[0] & 0xF0) | 0x3);
  }
  SECTION("a control frame over 125 bytes") { bad = client_frame(std::string(126, 'p'), Opcode::ping); }
  SECTION("a fragmented control frame") { bad = client_frame("p", Opcode::ping, false); }
  SECTION("a continuation with no message open") {
    bad = client_frame("abc", Opcode::continuation, true);
  }
  SECTION("a new message while a fragmented one is open") {
    bad = client_frame(R"({"ty)", Opcode::text, false) + client_frame(R"({"type":"x"})");
  }
  SECTION("a close frame with a one-byte payload") { bad = client_frame("\x03", Opcode::close); }
  SECTION("a close code no endpoint may send (1005)") {
    bad = client_frame(std::string("\x03\xED", 2), Opcode::close);
  }
  s.app.send_raw(bad);
  CHECK(s.app.expect_closed().code == 1002);
  // The phone's socket and session are untouched.
  s.phone.send_text(R"({"type":"ping_probe"})");
  CHECK(s.phone.is_open());
  auto again = ready_app(s.host, s.sid);
  CHECK(again.is_open());
}

TEST_CASE("The peer's close is echoed with its code", "[websocket]") {
  Setup s;
  s.app.send_raw(client_frame(std::string("\x0F\xA0", 2) + "bye", Opcode::close));  // 4000
  const auto closed = s.app.expect_closed();
  CHECK(closed.code == 4000);
}

TEST_CASE("An upgrade with an unsupported version is refused with 426", "[websocket]") {
  TestHost host{app_host_setup()};
  WsClient c;
  const auto result = c.connect(host.port(), "/app-ws", {{"Sec-WebSocket-Version", "8"}});
  CHECK_FALSE(result.upgraded);
  CHECK(result.status == 426);
}

TEST_CASE("A peer that closes with 1002, 1007 or 1009 itself is no refusal; our own close is",
          "[websocket][metrics]") {
  Setup s;
  const auto rejected = [&](const std::string& reason) {
    return s.host.metric("glasshub_connections_rejected_total{reason=\"" + reason + "\"}");
  };
  // The peer's close code, big-endian, as the first two bytes of its close frame.
  const auto close_with = [](uint16_t code) {
    return client_frame(std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)},
                        Opcode::close);
  };
  for (const uint16_t code : {1002, 1007, 1009}) {
    INFO("close code " << code);
    auto phone = connect_phone(s.host.port(), s.host.token_for("bob@example.com"));
    phone.send_raw(close_with(code));
    CHECK(phone.expect_closed().code == code);  // echoed: the peer's own close
    auto app = ready_app(s.host, s.sid);
    app.send_raw(close_with(code));
    CHECK(app.expect_closed().code == code);
  }
  // Both endpoints count a socket's end before its close frame goes out; one /health read then
  // shows every close handled.
  CHECK(s.host.health()["connections"]["glassesConnections"] == 1);
  for (const char* reason : {"glasses_protocol_violation", "glasses_invalid_utf8",
                             "glasses_message_too_big", "app_protocol_violation",
                             "app_invalid_utf8", "app_message_too_big"}) {
    INFO(reason);
    CHECK(rejected(reason) == "(absent)");
  }

  // A violation the host closes 1002 for is still counted, once per endpoint.
  s.phone.send_raw(unmasked_text(R"({"type":"x"})"));
  CHECK(s.phone.expect_closed().code == 1002);
  auto app = ready_app(s.host, s.sid);  // s.app was replaced by the reconnects above
  app.send_raw(unmasked_text(R"({"type":"x"})"));
  CHECK(app.expect_closed().code == 1002);
  CHECK(rejected("glasses_protocol_violation") == "1");
  CHECK(rejected("app_protocol_violation") == "1");
}
