// DESIGN.md decision 6: every socket's send queue is capped in bytes. An app that stops reading
// must not hold the host's memory or slow the others down: relayed events are reliable, so once
// its queue is full it is closed with 1013 (try again later), while an app that reads gets every
// event, in order.
#include "support/apps.hpp"
#include "support/health.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

using namespace glasshub::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";
const std::string kReaderPackage = "com.example.reader";

constexpr uint64_t kQueueCap = 64 * 1024;
constexpr int kMaxEvents = 3000;  // ~3.5 MB relayed to each app
constexpr int kMinEvents = 600;   // ~0.7 MB: well past what the stalled app can hold (~250)
constexpr int kBatch = 50;        // ~58 KB (< the cap): what the reader takes in before more come
// The stalled app must read again within 5 s of its overflow, or the host gives up on the close
// handshake and drops the TCP connection (1006; host/src/ws_connection.cpp close_deadline).
constexpr auto kSendFor = 3s;
constexpr long kRssGrowthBoundKib = 1024;
// Under AddressSanitizer freed memory stays resident (its quarantine), and ThreadSanitizer's shadow
// memory grows with every address touched, so RSS says nothing under either.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRssMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
#else
constexpr bool kRssMeaningful = true;
#endif
const std::string kPad(1000, 'x');

// {"type":"bulk","seq":N,"pad":"xxx…"}, ~1 KB; relayed as a data_stream of ~1.15 KB.
std::string bulk_event(int seq, const std::string& pad = kPad) {
  return R"({"type":"bulk","seq":)" + std::to_string(seq) + R"(,"pad":")" + pad + "\"}";
}

// The relay splices the phone's bytes: look for them rather than parse 1 KB per event.
bool is_relayed(const std::string& frame, int seq, const std::string& pad = kPad) {
  return frame.rfind(R"({"type":"data_stream")", 0) == 0 &&
         frame.find(R"("data":)" + bulk_event(seq, pad)) != std::string::npos;
}

// An app socket for `sid`, subscribed to "bulk", with small kernel buffers and a real network's
// segment size, so that what it does not read piles up in the host's queue rather than in
// loopback's multi-megabyte buffers.
WsClient small_buffered_app(const TestHost& host, const std::string& sid) {
  WsClient app;
  app.set_receive_buffer(16 * 1024);
  app.set_max_segment(1460);
  REQUIRE(app.connect(host.port(), "/app-ws").upgraded);
  app.send_json(app_init(sid));
  app.read_until_type("device_state_update");
  subscribe(app, sid, {"bulk"});
  return app;
}

}  // namespace

TEST_CASE("An app that stops reading is closed with 1013; the others get every event",
          "[backpressure]") {
  // The phone floods as fast as it can: the message rate limit (connection_limits_test) is off.
  HostSetup setup = app_host_setup({{"websocket", {{"sendQueueMaxBytes", kQueueCap}}},
                                    {"limits", {{"messagesPerSecond", 0}}}});
  setup.config["apps"].push_back(app_registry_entry(kReaderPackage, "reader-key"));
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  const auto stalled_sid = allow_app(phone);
  const auto reader_sid = allow_app(phone, kReaderPackage);

  WsClient stalled = small_buffered_app(host, stalled_sid);
  auto reader = connect_app(host.port(), reader_sid, kReaderPackage, "reader-key");
  subscribe(reader, reader_sid, {"bulk"}, kReaderPackage);

  const long rss_before = vm_rss_kib(host.pid()).value_or(0);
  long rss_peak = rss_before;
  int sent = 0;
  const auto started = Clock::now();
  while (sent < kMaxEvents && Clock::now() - started < kSendFor) {
    const int first = sent;
    for (; sent < first + kBatch; ++sent) phone.send_text(bulk_event(sent));
    for (int seq = first; seq < sent; ++seq) {
      const auto frame = reader.read_frame(3s);
      INFO("the reader waits for event " << seq);
      REQUIRE(frame.has_value());
      INFO("and got " << frame->data.substr(0, 100));
      REQUIRE(is_relayed(frame->data, seq));
    }
    rss_peak = std::max(rss_peak, vm_rss_kib(host.pid()).value_or(0));
  }
  const auto sending = std::chrono::duration_cast<milliseconds>(Clock::now() - started);

  // The stalled app reads again: what was already on its way, in order, then the host's close.
  int stalled_got = 0;
  bool in_order = true;
  try {
    while (auto frame = stalled.read_frame(3s)) {
      if (frame->data.rfind(R"({"type":"data_stream")", 0) != 0) continue;
      in_order = in_order && is_relayed(frame->data, stalled_got);
      ++stalled_got;
    }
  } catch (const ClosedError&) {
  }
  const auto closed = stalled.expect_closed(1s);
  const long rss_after = vm_rss_kib(host.pid()).value_or(0);

  WARN("backpressure: " << sent << " events of ~1.15 KB in " << sending.count()
                        << " ms, queue cap " << kQueueCap << " B; the reader got all " << sent
                        << " in order; the stalled app got " << stalled_got << ", then close "
                        << closed.code << " '" << closed.reason << "'; host VmRSS before "
                        << rss_before << " KiB, peak " << rss_peak << " KiB (+"
                        << rss_peak - rss_before << "), after " << rss_after
                        << " KiB; bound: growth < " << kRssGrowthBoundKib << " KiB"
                        << (kRssMeaningful ? "" : " (not checked under AddressSanitizer)"));
  CHECK(sent >= kMinEvents);
  CHECK(closed.code == 1013);
  CHECK(in_order);
  CHECK(stalled_got < sent);
  if (kRssMeaningful) CHECK(rss_peak - rss_before < kRssGrowthBoundKib);

  // The phone and the reader carry on.
  phone.send_text(bulk_event(sent));
  const auto last = reader.read_frame(2s);
  REQUIRE(last.has_value());
  CHECK(is_relayed(last->data, sent));

  // /health tells the truth: the stalled app's socket is gone, the session and the reader are
  // not, and a closed slow consumer is no handler error.
  const auto connections = await_connections(host, 1, 1);
  INFO(connections.dump());
  CHECK(connections["glassesConnections"] == 1);
  CHECK(connections["appConnections"] == 1);
  CHECK(connections["totalSessions"] == 1);
  const auto res = host.get("/health");
  CHECK(res.status == 200);
  CHECK(res.json()["messages"]["errors"] == 0);
}

TEST_CASE("An app that pauses reading below its queue cap gets every event once it reads again",
          "[backpressure]") {
  // Far more than loopback's buffers hold for a 16 KiB receive buffer (~250 events), far less
  // than the cap: the host meets a full socket, waits for it to drain, and loses nothing.
  constexpr int kEvents = 1200;  // ~1.4 MB, or ~3.8 MB with the large pad
  // Frames of ~1.15 KB are queued and written in batches; ~3.2 KB ones (over the host's
  // ws_connection::direct_write_min, 2 KiB) go straight to the kernel while nothing is queued,
  // and only what a full socket refused, possibly a partial frame, is queued.
  const std::string pad(static_cast<std::size_t>(GENERATE(1000, 3100)), 'y');
  INFO("pad bytes: " << pad.size());
  HostSetup setup = app_host_setup({{"websocket", {{"sendQueueMaxBytes", 8 * 1024 * 1024}}},
                                    {"limits", {{"messagesPerSecond", 0}}}});
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  WsClient paused = small_buffered_app(host, sid);

  for (int seq = 0; seq < kEvents; ++seq) phone.send_text(bulk_event(seq, pad));
  // Everything the kernel would not take is in the host's queue now (or soon: the phone's
  // frames are still being read).
  long queued = 0;
  const auto deadline = Clock::now() + 5s;
  while (queued < 512 * 1024 && Clock::now() < deadline) {
    queued = std::stol(host.metric("glasshub_send_queue_bytes"));
    std::this_thread::sleep_for(20ms);
  }
  INFO("bytes queued in the host while the app did not read: " << queued);
  CHECK(queued >= 512 * 1024);

  int got = 0;
  bool in_order = true;
  while (got < kEvents) {
    const auto frame = paused.read_frame(3s);
    INFO("waiting for event " << got);
    REQUIRE(frame.has_value());
    if (frame->data.rfind(R"({"type":"data_stream")", 0) != 0) continue;
    in_order = in_order && is_relayed(frame->data, got, pad);
    ++got;
  }
  CHECK(in_order);
  CHECK(host.metric("glasshub_send_queue_bytes") == "0");
  // The socket is still open and still served.
  phone.send_text(bulk_event(kEvents, pad));
  const auto last = paused.read_frame(2s);
  REQUIRE(last.has_value());
  CHECK(is_relayed(last->data, kEvents, pad));
}
