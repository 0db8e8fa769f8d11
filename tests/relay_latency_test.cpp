// A burst of the phone's events reaches a reading app at once: the host hands every frame to the
// kernel when it has it, so the burst's last frame does not wait in Nagle's buffer for the app's
// delayed ACK (~40 ms on Linux). Display and button events come in bursts like this.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

TEST_CASE("The last event of a burst reaches the app without a delayed-ACK stall", "[latency]") {
  constexpr int kRounds = 20;
  constexpr int kBurst = 20;
  constexpr double kBoundMs = 20;  // a delayed ACK costs at least 40 ms
  TestHost host(app_host_setup());
  auto phone = host.connect_phone("alice@example.com");
  const auto sid = allow_app(phone);
  auto app = connect_app(host.port(), sid);
  subscribe(app, sid, {"burst"});
  const std::string pad(1000, 'x');
  auto event = [&](int i) {
    return R"({"type":"burst","i":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}";
  };

  // Per burst: the longest wait between two consecutive frames arriving at the app.
  std::vector<double> worst_gap;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kBurst; ++i) phone.send_text(event(i));
    double worst = 0;
    auto previous = Clock::now();
    for (int i = 0; i < kBurst; ++i) {
      const auto frame = app.read_frame(2s);
      REQUIRE(frame.has_value());
      REQUIRE(frame->data.find(R"("data":)" + event(i)) != std::string::npos);
      const auto now = Clock::now();
      if (i > 0) worst = std::max(worst, Ms(now - previous).count());
      previous = now;
    }
    worst_gap.push_back(worst);
  }
  std::vector<double> sorted = worst_gap;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::string all;
  for (double ms : worst_gap) all += std::to_string(static_cast<int>(ms)) + " ";
  WARN("bursts of " << kBurst << " relayed events of ~1.1 KB; longest gap between two arrivals "
                    << "per burst, ms: " << all << "(median " << median << ", bound " << kBoundMs
                    << ")");
  CHECK(median < kBoundMs);
}
