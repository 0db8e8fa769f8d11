// A burst of the phone's events reaches a reading app at once: the host hands every frame to the
// kernel when it has it, so the burst's last frame does not wait in Nagle's buffer for the app's
// delayed ACK (~40 ms on Linux). Display and button events come in bursts like this.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;

TEST_CASE("The last event of a burst reaches the app without a delayed-ACK stall", "[latency]") {
  constexpr int kRounds = 15;
  constexpr int kBurst = 20;
  constexpr double kBoundMs = 25;  // a delayed ACK costs at least 40 ms
  TestHost host(app_host_setup());
  auto phone = host.connect_phone("alice@example.com");
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"burst"});
  const std::string pad(1000, 'x');

  std::vector<double> took;
  for (int round = 0; round < kRounds; ++round) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kBurst; ++i) phone.send_json({{"type", "burst"}, {"i", i}, {"pad", pad}});
    for (int i = 0; i < kBurst; ++i) {
      const auto got = app.next_message(2s);
      REQUIRE(got.has_value());
      REQUIRE((*got)["data"]["i"] == i);
    }
    took.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::this_thread::sleep_for(20ms);  // the connection goes quiet between bursts
  }
  std::vector<double> sorted = took;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::string all;
  for (double ms : took) all += std::to_string(static_cast<int>(ms)) + " ";
  WARN("burst of " << kBurst << " relayed events of ~1.1 KB, phone's first send to the app's "
                   << "last receipt, ms: " << all << "(median " << median << ", bound "
                   << kBoundMs << ")");
  CHECK(median < kBoundMs);
}
