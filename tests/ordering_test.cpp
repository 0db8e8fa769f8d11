// DESIGN.md decision 4: all messages of one user are handled one at a time, in arrival order.
// An app writes a burst of subscription_updates in one TCP segment; whatever the host's threads
// do with it, the list in force afterwards is the last one's, never an earlier one's.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace glasshub::test;

namespace {

const std::string kUser = "alice@example.com";

// The stream named by update `i` of round `round` (and by no other update).
std::string stream_of(int round, int i) {
  return "ev_r" + std::to_string(round) + "_u" + std::to_string(i);
}

// `n` subscription_updates, update i subscribing to stream_of(round, i) only, as masked client
// frames in one buffer; with `probe`, the app's sync probe after them.
std::string burst(const std::string& sid, int round, int n, bool probe) {
  std::string bytes;
  for (int i = 0; i < n; ++i)
    bytes += client_frame(subscription_update(sid, {stream_of(round, i)}));
  if (probe) bytes += client_frame(sync_probe());
  return bytes;
}

struct Setup {
  TestHost host{app_host_setup()};
  WsClient phone = host.connect_phone(kUser);
  std::string sid = allow_app(phone);
  WsClient app = connect_app(host.port(), sid);
};

}  // namespace

TEST_CASE("A burst of subscription_updates in one TCP write is applied in order",
          "[ordering]") {
  Setup s;
  constexpr int kRounds = 60;
  for (int round = 0; round < kRounds; ++round) {
    const int n = 2 + round % 30;  // 2..31 updates per write
    INFO("round " << round << ", " << n << " updates in one write");
    s.app.send_raw(burst(s.sid, round, n, /*probe=*/true));
    // The probe's answer: every update of the burst has been handled.
    const auto before = await_sync_answer(s.app);
    REQUIRE(before.empty());

    // The event named only by an earlier update, then the one named by the last.
    const nlohmann::json earlier = {{"type", stream_of(round, n - 2)}, {"round", round}};
    const nlohmann::json last = {{"type", stream_of(round, n - 1)}, {"round", round}};
    s.phone.send_json(earlier);
    s.phone.send_json(last);
    // Relayed in order on one socket: if `earlier` had gone out, it would come first.
    const auto got = s.app.next_message(2s);
    REQUIRE(got.has_value());
    INFO("the app got " << got->dump());
    CHECK((*got)["type"] == "data_stream");
    CHECK((*got)["streamType"] == last["type"]);
    CHECK((*got)["data"] == last);
  }
}
