// DESIGN.md decision 6: every socket's send queue is capped in bytes. An app that stops reading
// must not hold the host's memory or slow the others down: relayed events are reliable, so once
// its queue is full it is closed with 1013 (try again later), while an app that reads gets every
// event, in order.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <string>

using namespace glasshub::test;

namespace {

const std::string kUser = "alice@example.com";
const std::string kReaderPackage = "com.example.reader";

constexpr uint64_t kQueueCap = 64 * 1024;
constexpr int kBatch = 50;  // ~57 KB (< the cap): what the reader takes in before the phone goes on
constexpr int kExcess = 2500;  // ~2.9 MB that an unbounded queue would have to keep
constexpr long kRssGrowthBoundKib = 2 * 1024;
const std::string kPad(1000, 'x');
constexpr std::size_t kFrameBytes = 1150;  // one relayed data_stream with kPad, roughly

// Enough events to fill everything between the host and a reader that stopped (the host's
// socket send buffer grows up to tcp_wmem's maximum), then kExcess more. All of it must be sent
// within 5 s of the overflow: a peer that still has not read its close frame by then loses the
// TCP connection (1006) instead (host/src/ws_connection.cpp, close_deadline).
int event_count() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_wmem");
  long min = 0, def = 0, max = 4 * 1024 * 1024;
  in >> min >> def >> max;
  return static_cast<int>((max + 2 * static_cast<long>(kQueueCap)) / kFrameBytes) + kExcess;
}

}  // namespace

TEST_CASE("An app that stops reading is closed with 1013; the others get every event",
          "[backpressure]") {
  HostSetup setup = app_host_setup({{"websocket", {{"sendQueueMaxBytes", kQueueCap}}}});
  setup.config["apps"].push_back(app_registry_entry(kReaderPackage, "reader-key"));
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  const auto stalled_sid = allow_app(phone);
  const auto reader_sid = allow_app(phone, kReaderPackage);

  WsClient stalled;
  stalled.set_receive_buffer(16 * 1024);  // fill the kernel's buffers quickly
  REQUIRE(stalled.connect(host.port(), "/app-ws").upgraded);
  stalled.send_json(app_init(stalled_sid));
  stalled.read_until_type("device_state_update");
  subscribe(stalled, stalled_sid, {"bulk"});
  auto reader = connect_app(host.port(), reader_sid, kReaderPackage, "reader-key");
  // Not what this test is about: the host leaves Nagle on, and each batch's last frame would
  // wait ~40 ms for the reader's delayed ACK (test_relay_latency).
  reader.set_quick_ack(true);
  subscribe(reader, reader_sid, {"bulk"}, kReaderPackage);

  const int kEvents = event_count();
  const long rss_before = vm_rss_kib(host.pid()).value_or(0);
  long rss_peak = rss_before;
  int received = 0;
  for (int first = 0; first < kEvents; first += kBatch) {
    const int end = std::min(kEvents, first + kBatch);
    for (int seq = first; seq < end; ++seq)
      phone.send_json({{"type", "bulk"}, {"seq", seq}, {"pad", kPad}});
    for (int seq = first; seq < end; ++seq) {
      const auto got = reader.next_message(3s);
      INFO("waiting for event " << seq);
      REQUIRE(got.has_value());
      REQUIRE((*got)["type"] == "data_stream");
      REQUIRE((*got)["data"]["seq"] == seq);
      ++received;
    }
    rss_peak = std::max(rss_peak, vm_rss_kib(host.pid()).value_or(0));
  }
  CHECK(received == kEvents);

  // The stalled app reads again: what was in flight, then the host's close.
  int stalled_got = 0;
  int last_seq = -1;
  bool in_order = true;
  try {
    while (auto frame = stalled.read_frame(3s)) {
      const auto m = nlohmann::json::parse(frame->data);
      if (m.value("type", "") != "data_stream") continue;
      const int seq = m["data"]["seq"].get<int>();
      in_order = in_order && seq == last_seq + 1;
      last_seq = seq;
      ++stalled_got;
    }
  } catch (const ClosedError&) {
  }
  const auto closed = stalled.expect_closed(1s);
  const long rss_after = vm_rss_kib(host.pid()).value_or(0);

  WARN("backpressure: " << kEvents << " events of ~" << kFrameBytes << " B, queue cap " << kQueueCap
                        << " B; reader got " << received << "; stalled app got " << stalled_got
                        << " then close " << closed.code << " '" << closed.reason
                        << "'; host VmRSS before " << rss_before << " KiB, peak " << rss_peak
                        << " KiB, after " << rss_after << " KiB (bound: growth < "
                        << kRssGrowthBoundKib << " KiB)");
  CHECK(closed.code == 1013);
  CHECK(in_order);
  CHECK(stalled_got < kEvents);
  CHECK(rss_peak - rss_before < kRssGrowthBoundKib);

  // The phone and the reader carry on.
  phone.send_json({{"type", "bulk"}, {"seq", kEvents}});
  CHECK(reader.read_until_type("data_stream")["data"]["seq"] == kEvents);
}
