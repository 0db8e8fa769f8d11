// The audio plugin (protocol.md §1 G10/G11, §2, §3.2, §5.1, §6.1–6.4, §7.5, §9.1, §9.13): the
// phone's binary audio reaches exactly the audio_chunk subscribers, byte for byte (PCM) or decoded
// (LC3, liblc3), always in even lengths; POST /api/client/audio/configure; the microphone follows
// the apps' subscriptions with the reference's timings; audio playback requests go to the phone and
// its answers back to the app that asked.
#include "support/apps.hpp"
#include "support/test_host.hpp"

#include <catch2/catch.hpp>
#include <lc3.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <random>
#include <regex>
#include <thread>

using namespace glasshub::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "alice@example.com";
const std::string kOther = "com.example.other";
const std::string kOtherKey = "other-key";
const std::string kConfigurePath = "/api/client/audio/configure";

// Timings short enough for a test; the debounce keeps its reference value (100 ms).
const json kTestTimings = {{"micDebounceMs", 100}, {"micOffHoldMs", 600}, {"micCoalesceMs", 300},
                           {"micKeepAliveMs", 60000}, {"micReconnectResendMs", 100}};

// keepalive + device + audio + test_app_starter; kAppPackage and kOther (both MICROPHONE).
HostSetup audio_host(const json& audio_config = kTestTimings) {
  HostSetup setup = app_host_setup();
  json audio = product_plugin_entry("audio");
  audio["config"] = audio_config;
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"), audio,
                                test_plugin_entry("test_app_starter")});
  setup.config["apps"].push_back(app_registry_entry(kOther, kOtherKey));
  return setup;
}

// The next binary frame (text frames skipped), or nullopt.
std::optional<std::string> read_binary(WsClient& ws, milliseconds timeout = 2s) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = ws.read_frame(left);
    if (!frame) return std::nullopt;
    if (frame->binary) return frame->data;
  }
}

std::vector<json> binaries(const std::vector<json>& messages) {
  std::vector<json> out;
  for (const auto& m : messages)
    if (m.contains("binary")) out.push_back(m);
  return out;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

HttpResponse configure(const TestHost& host, const std::string& body,
                       const std::string& user = kUser) {
  return http_post(host.port(), kConfigurePath, body, {bearer(host.token_for(user))});
}

// The next microphone_state_change the phone gets (pings skipped), with when it arrived.
std::pair<json, Clock::time_point> next_mic(WsClient& phone, milliseconds timeout = 3s) {
  json m = phone.read_until_type("microphone_state_change", timeout);
  return {m, Clock::now()};
}

// --- LC3 in the test: encode a known signal, and the reference decoding of it ---------------

constexpr int kDtUs = 10000, kSr = 16000, kSamples = 160;

std::vector<int16_t> sine(size_t n, double hz, double amplitude) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<int16_t>(std::lround(amplitude * std::sin(2 * std::numbers::pi * hz * i / kSr)));
  return out;
}

std::string lc3_encode(const std::vector<int16_t>& pcm, int frame_bytes) {
  std::vector<std::max_align_t> mem(lc3_encoder_size(kDtUs, kSr) / sizeof(std::max_align_t) + 1);
  lc3_encoder_t enc = lc3_setup_encoder(kDtUs, kSr, 0, mem.data());
  REQUIRE(enc != nullptr);
  std::string out;
  std::vector<char> frame(static_cast<size_t>(frame_bytes));
  for (size_t at = 0; at + kSamples <= pcm.size(); at += kSamples) {
    REQUIRE(lc3_encode(enc, LC3_PCM_FORMAT_S16, pcm.data() + at, 1, frame_bytes, frame.data()) == 0);
    out.append(frame.data(), frame.size());
  }
  return out;
}

std::vector<int16_t> lc3_decode_all(const std::string& frames, int frame_bytes) {
  std::vector<std::max_align_t> mem(lc3_decoder_size(kDtUs, kSr) / sizeof(std::max_align_t) + 1);
  lc3_decoder_t dec = lc3_setup_decoder(kDtUs, kSr, 0, mem.data());
  REQUIRE(dec != nullptr);
  std::vector<int16_t> out;
  for (size_t at = 0; at + frame_bytes <= frames.size(); at += frame_bytes) {
    const size_t base = out.size();
    out.resize(base + kSamples);
    REQUIRE(lc3_decode(dec, frames.data() + at, frame_bytes, LC3_PCM_FORMAT_S16,
                       out.data() + base, 1) == 0);
  }
  return out;
}

std::vector<int16_t> as_samples(const std::string& bytes) {
  std::vector<int16_t> out(bytes.size() / 2);
  std::memcpy(out.data(), bytes.data(), out.size() * 2);
  return out;
}

// Best normalized correlation of `got` against `want` delayed by 0..max_lag samples.
double best_correlation(const std::vector<int16_t>& want, const std::vector<int16_t>& got,
                        int max_lag) {
  double best = -1;
  for (int lag = 0; lag <= max_lag; ++lag) {
    double xy = 0, xx = 0, yy = 0;
    for (size_t i = static_cast<size_t>(lag) + 800; i < got.size(); ++i) {  // skip the warm-up
      const double x = want[i - static_cast<size_t>(lag)], y = got[i];
      xy += x * y;
      xx += x * x;
      yy += y * y;
    }
    if (xx > 0 && yy > 0) best = std::max(best, xy / std::sqrt(xx * yy));
  }
  return best;
}

}  // namespace

TEST_CASE("PCM frames reach the audio_chunk subscribers only, byte for byte",
          "[audio][relay]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);
  auto other = ready_app(host, other_sid, kOther, kOtherKey);
  subscribe(app, sid, {"audio_chunk"});
  subscribe(other, other_sid, {"button_press"}, kOther);

  const std::vector<std::string> chunks = {random_bytes(640, 1), random_bytes(2, 2),
                                           random_bytes(3200, 3), std::string(320, '\0')};
  for (const auto& c : chunks) phone.send_binary(c);
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto got = read_binary(app);
    REQUIRE(got.has_value());
    CHECK(got->size() == chunks[i].size());
    CHECK(*got == chunks[i]);
  }
  sync_phone(phone);
  const auto other_heard = sync_app(other);
  INFO("the unsubscribed app heard: " << json(other_heard).dump());
  CHECK(binaries(other_heard).empty());
  CHECK(binaries(sync_app(app)).empty());  // exactly once each

  SECTION("a wildcard subscriber gets the same bytes") {
    subscribe(other, other_sid, {"*"}, kOther);
    // Small, large (each app's frame is written over the phone's header: 8 bytes become 4) and
    // above 64 KiB (14 become 10): each app must get the bytes whole.
    for (const auto& chunk : {random_bytes(960, 4), random_bytes(3200, 5), random_bytes(70000, 6)}) {
      phone.send_binary(chunk);
      CHECK(read_binary(app) == chunk);
      CHECK(read_binary(other) == chunk);
    }
  }

  SECTION("the counters move") {
    const auto metrics = host.get("/metrics");
    INFO(metrics.body);
    CHECK(metrics.body.find("glasshub_plugin_audio_frames_relayed_total 4") != std::string::npos);
    CHECK(metrics.body.find("glasshub_plugin_audio_bytes_relayed_total 4162") !=
          std::string::npos);
  }
}

TEST_CASE("An odd byte is carried to the next chunk so every relayed chunk is even",
          "[audio][relay]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"audio_chunk"});

  for (const char* part : {"abc", "def", "g", "h", "ijkl"}) phone.send_binary(part);
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    auto frame = read_binary(app);
    REQUIRE(frame.has_value());
    got.push_back(*frame);
  }
  CHECK(got == std::vector<std::string>{"ab", "cdef", "gh", "ijkl"});
  sync_phone(phone);
  CHECK(binaries(sync_app(app)).empty());  // "g" alone relayed nothing
}

TEST_CASE("LC3 frames are decoded with liblc3 and relayed as PCM", "[audio][lc3]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"audio_chunk"});

  const int frame_bytes = GENERATE(40, 60);
  INFO("frameSizeBytes " << frame_bytes);
  const auto res = configure(host, json{{"format", "lc3"},
                                        {"lc3Config",
                                         {{"sampleRate", 16000},
                                          {"frameDurationMs", 10},
                                          {"frameSizeBytes", frame_bytes}}}}
                                       .dump());
  INFO("configure answered " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  CHECK(res.json()["success"] == true);
  CHECK(res.json()["format"] == "lc3");
  CHECK(res.json()["lc3Config"] ==
        json{{"sampleRate", 16000}, {"frameDurationMs", 10}, {"frameSizeBytes", frame_bytes}});
  CHECK(res.json()["message"].is_string());
  CHECK(is_iso_ms(res.json()["timestamp"]));

  // One second of a 440 Hz tone, 100 LC3 frames.
  const auto signal = sine(16000, 440.0, 8000.0);
  const std::string encoded = lc3_encode(signal, frame_bytes);
  REQUIRE(encoded.size() == 100u * static_cast<size_t>(frame_bytes));

  // Chunks of 4 frames (as the phone sends them), then one cut in the middle of a frame.
  const size_t chunk = 4u * static_cast<size_t>(frame_bytes);
  size_t at = 0;
  size_t chunks_sent = 0;
  for (; at + chunk <= 80u * static_cast<size_t>(frame_bytes); at += chunk, ++chunks_sent)
    phone.send_binary(std::string_view(encoded).substr(at, chunk));
  const size_t half = static_cast<size_t>(frame_bytes) / 2;
  phone.send_binary(std::string_view(encoded).substr(at, 10u * frame_bytes + half));  // 10.5 frames
  at += 10u * frame_bytes + half;
  phone.send_binary(std::string_view(encoded).substr(at));  // 9.5 frames
  chunks_sent += 2;

  std::string pcm;
  std::vector<size_t> sizes;
  for (size_t i = 0; i < chunks_sent; ++i) {
    const auto frame = read_binary(app);
    REQUIRE(frame.has_value());
    sizes.push_back(frame->size());
    pcm += *frame;
  }
  CHECK(sizes.front() == 4u * 320u);  // 4 frames of 160 samples
  CHECK(sizes[sizes.size() - 2] == 10u * 320u);
  CHECK(sizes.back() == 10u * 320u);
  REQUIRE(pcm.size() == 16000u * 2u);  // every sample of the second, nothing more

  // Exactly what liblc3 makes of these frames, and close to the tone that went in.
  const auto got = as_samples(pcm);
  CHECK(got == lc3_decode_all(encoded, frame_bytes));
  const double corr = best_correlation(signal, got, 2 * lc3_delay_samples(kDtUs, kSr));
  INFO("best correlation with the tone: " << corr);
  CHECK(corr > 0.95);

  const auto metrics = host.get("/metrics");
  CHECK(metrics.body.find("glasshub_plugin_audio_lc3_frames_decoded_total 100") !=
        std::string::npos);
  CHECK(metrics.body.find("glasshub_plugin_audio_decode_errors_total 0") != std::string::npos);

  SECTION("switching back to PCM relays the bytes as they come") {
    const auto back = configure(host, R"({"format":"pcm"})");
    REQUIRE(back.status == 200);
    CHECK(back.json()["format"] == "pcm");
    CHECK_FALSE(back.json().contains("lc3Config"));
    const auto raw = random_bytes(640, 9);
    phone.send_binary(raw);
    CHECK(read_binary(app) == raw);
  }
}

TEST_CASE("POST /api/client/audio/configure validates like the reference", "[audio][rest]") {
  TestHost host(audio_host());

  SECTION("without a session: 503") {
    const auto res = configure(host, R"({"format":"pcm"})");
    INFO(res.body);
    CHECK(res.status == 503);
    CHECK(res.json() == json{{"error", "no_active_session"},
                             {"message",
                              "No active cloud session. Please ensure your app is connected."}});
  }

  SECTION("without a token: 401") {
    CHECK(http_post(host.port(), kConfigurePath, R"({"format":"pcm"})").status == 401);
  }

  SECTION("with a session") {
    auto phone = host.connect_phone(kUser);
    for (const char* body : {R"({"format":"mp3"})", R"({})", "not json", R"({"format":1})",
                             R"(["lc3"])"}) {
      INFO("body " << body);
      const auto res = configure(host, body);
      INFO("answer " << res.body);
      CHECK(res.status == 400);
      CHECK(res.json()["success"] == false);
      CHECK(res.json()["message"] == "Invalid format. Must be \"pcm\" or \"lc3\"");
      CHECK(is_iso_ms(res.json()["timestamp"]));
    }
    // What the reference does with LC3 parameters it cannot use: canonical values instead.
    const auto defaults = configure(host, R"({"format":"lc3"})");
    REQUIRE(defaults.status == 200);
    CHECK(defaults.json()["lc3Config"] ==
          json{{"sampleRate", 16000}, {"frameDurationMs", 10}, {"frameSizeBytes", 20}});
    const auto odd = configure(
        host, R"({"format":"lc3","lc3Config":{"sampleRate":48000,"frameDurationMs":7.5,"frameSizeBytes":33}})");
    REQUIRE(odd.status == 200);
    CHECK(odd.json()["lc3Config"] ==
          json{{"sampleRate", 16000}, {"frameDurationMs", 10}, {"frameSizeBytes", 20}});
    const auto pcm = configure(host, R"({"format":"pcm"})");
    REQUIRE(pcm.status == 200);
    CHECK(pcm.json()["success"] == true);
    CHECK(pcm.json()["format"] == "pcm");
    CHECK(pcm.json()["message"] == "Audio format configured successfully");
  }
}

TEST_CASE("The microphone follows the apps' audio and transcription subscriptions",
          "[audio][mic]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);

  SECTION("audio_chunk: on after the 100 ms debounce with bypassVad, off after the hold-down") {
    auto t0 = Clock::now();
    subscribe(app, sid, {"audio_chunk"});
    auto [on, on_at] = next_mic(phone);
    const long on_ms = std::chrono::duration_cast<std::chrono::milliseconds>(on_at - t0).count();
    INFO("mic on after " << on_ms << " ms: " << on.dump());
    CHECK(on_ms >= 90);
    CHECK(on_ms < 1000);
    CHECK(on["sessionId"] == kUser);
    CHECK(on["isMicrophoneEnabled"] == true);
    CHECK(on["requiredData"] == json::array({"pcm"}));
    CHECK(on["bypassVad"] == true);
    CHECK(is_iso_ms(on["timestamp"]));

    t0 = Clock::now();
    subscribe(app, sid, {"button_press"});  // (an empty list would be ignored: app grace)
    auto [off, off_at] = next_mic(phone);
    const long off_ms = std::chrono::duration_cast<std::chrono::milliseconds>(off_at - t0).count();
    INFO("mic off after " << off_ms << " ms: " << off.dump());
    CHECK(off_ms >= 680);  // debounce 100 + hold-down 600
    CHECK(off_ms < 2000);
    CHECK(off["isMicrophoneEnabled"] == false);
    CHECK(off["requiredData"] == json::array());
    CHECK(off["bypassVad"] == false);
  }

  SECTION("transcription: on without bypassVad; a brief unsubscribe does not turn it off") {
    subscribe(app, sid, {"transcription:en-US"});
    auto [on, on_at] = next_mic(phone);
    INFO(on.dump());
    CHECK(on["isMicrophoneEnabled"] == true);
    CHECK(on["requiredData"] == json::array({"pcm"}));
    CHECK(on["bypassVad"] == false);

    // Off and on again within the hold-down: the phone hears only "on" (the coalesced state).
    subscribe(app, sid, {"button_press"});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    subscribe(app, sid, {"translation:es-ES-to-en-US"});
    const auto seen = phone.collect_for(std::chrono::milliseconds(1500));
    INFO("phone got: " << json(seen).dump());
    for (const auto& m : of_type(seen, "microphone_state_change"))
      CHECK(m["isMicrophoneEnabled"] == true);
  }

}

TEST_CASE("An app that drops keeps the microphone on through its grace, then off",
          "[audio][mic]") {
  HostSetup setup = audio_host();
  setup.config["app"]["gracePeriodMs"] = 1000;
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"audio_chunk", "button_press"});
  REQUIRE(next_mic(phone).first["isMicrophoneEnabled"] == true);
  const auto t0 = Clock::now();
  app.close();
  // Subscriptions of an app in its grace period still count (as in the reference).
  const auto during_grace = phone.collect_for(std::chrono::milliseconds(800));
  CHECK(of_type(during_grace, "microphone_state_change").empty());
  auto [off, at] = next_mic(phone, 3s);
  const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count();
  INFO("off after " << ms << " ms");
  CHECK(off["isMicrophoneEnabled"] == false);
  CHECK(ms >= 1000 + 600);  // grace, then the hold-down
}

TEST_CASE("Audio nobody asked for turns the microphone off at once", "[audio][mic]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  phone.send_binary(random_bytes(320, 5));
  const auto t0 = Clock::now();
  auto [off, at] = next_mic(phone, 1s);
  INFO(off.dump());
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count() < 1000);
  CHECK(off["isMicrophoneEnabled"] == false);
  CHECK(off["requiredData"] == json::array());
  // ...and further audio in the quiet window does not repeat it.
  phone.send_binary(random_bytes(320, 6));
  CHECK(of_type(sync_phone(phone), "microphone_state_change").empty());
}

TEST_CASE("A phone that reconnects gets the microphone state again ~100 ms later",
          "[audio][mic]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"audio_chunk"});
  REQUIRE(next_mic(phone).first["isMicrophoneEnabled"] == true);

  phone.close();
  const auto t0 = Clock::now();
  auto again = host.connect_phone(kUser);  // same session (within the 60 s grace)
  auto [mic, at] = next_mic(again, 2s);
  const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count();
  INFO("re-sent after " << ms << " ms: " << mic.dump());
  CHECK(ms >= 90);
  CHECK(ms < 1500);
  CHECK(mic["isMicrophoneEnabled"] == true);
  CHECK(mic["bypassVad"] == true);

  SECTION("glasses reporting CONNECTED resync too, a repeated CONNECTED does not") {
    const json connected = {{"type", "glasses_connection_state"},
                            {"status", "CONNECTED"},
                            {"modelName", "Simulated Glasses"}};
    again.send_json(connected);
    CHECK(next_mic(again, 1s).first["isMicrophoneEnabled"] == true);
    again.send_json(connected);
    CHECK(of_type(sync_phone(again), "microphone_state_change").empty());
    again.send_json({{"type", "glasses_connection_state"}, {"status", "RECONNECTED"},
                     {"modelName", "Simulated Glasses"}});
    CHECK(next_mic(again, 1s).first["isMicrophoneEnabled"] == true);
  }
}

TEST_CASE("While on, the microphone state is re-sent as a keep-alive", "[audio][mic]") {
  json timings = kTestTimings;
  timings["micKeepAliveMs"] = 400;
  TestHost host(audio_host(timings));
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  subscribe(app, sid, {"audio_chunk"});
  REQUIRE(next_mic(phone).first["isMicrophoneEnabled"] == true);
  const auto t0 = Clock::now();
  auto [first, at] = next_mic(phone, 2s);
  CHECK(first["isMicrophoneEnabled"] == true);
  const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count();
  CHECK(ms >= 300);
  CHECK(next_mic(phone, 2s).first["isMicrophoneEnabled"] == true);
}

TEST_CASE("audio_play_request goes to the phone; its answer to the app that asked only",
          "[audio][play]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  const auto other_sid = allow_app(phone, kOther);
  auto app = ready_app(host, sid);
  auto other = ready_app(host, other_sid, kOther, kOtherKey);

  // As SDK 2.1.29 sends it (trackId included).
  app.send_json({{"type", "audio_play_request"}, {"packageName", kAppPackage}, {"sessionId", sid},
                 {"requestId", "r-1"}, {"audioUrl", "https://example.com/a.mp3"}, {"volume", 0.5},
                 {"stopOtherAudio", true}, {"trackId", 1}, {"timestamp", "2026-03-19T10:00:00.000Z"}});
  other.send_json({{"type", "audio_play_request"}, {"packageName", kOther}, {"sessionId", other_sid},
                   {"requestId", "r-2"}, {"audioUrl", "https://example.com/b.mp3"}, {"volume", 1},
                   {"stopOtherAudio", false}, {"trackId", 2}});
  auto first = phone.read_until_type("audio_play_request");
  auto second = phone.read_until_type("audio_play_request");
  if (first["requestId"] == "r-2") std::swap(first, second);  // two sockets: either order
  INFO(first.dump() << " " << second.dump());
  CHECK(first["sessionId"] == kUser);
  CHECK(first["requestId"] == "r-1");
  CHECK(first["packageName"] == kAppPackage);
  CHECK(first["audioUrl"] == "https://example.com/a.mp3");
  CHECK(first["volume"] == 0.5);
  CHECK(first["stopOtherAudio"] == true);
  CHECK_FALSE(first.contains("trackId"));
  CHECK(is_iso_ms(first["timestamp"]));
  CHECK(second["requestId"] == "r-2");
  CHECK(second["packageName"] == kOther);
  CHECK_FALSE(second.contains("trackId"));

  phone.send_json({{"type", "audio_play_response"}, {"requestId", "r-1"}, {"success", true},
                   {"error", nullptr}, {"duration", 1.5}});
  sync_phone(phone);
  const auto got = sync_app(app);
  INFO("app got " << json(got).dump());
  const auto answers = of_type(got, "audio_play_response");
  REQUIRE(answers.size() == 1);
  CHECK(answers[0]["sessionId"] == sid);
  CHECK(answers[0]["requestId"] == "r-1");
  CHECK(answers[0]["success"] == true);
  CHECK(answers[0]["error"].is_null());
  CHECK(answers[0]["duration"] == 1.5);
  CHECK(is_iso_ms(answers[0]["timestamp"]));
  CHECK(of_type(sync_app(other), "audio_play_response").empty());

  // Answered once: a repeat (or an unknown id) goes nowhere.
  phone.send_json({{"type", "audio_play_response"}, {"requestId", "r-1"}, {"success", true}});
  phone.send_json({{"type", "audio_play_response"}, {"requestId", "r-9"}, {"success", true}});
  phone.send_json({{"type", "audio_play_response"}, {"requestId", "r-2"}, {"success", false},
                   {"error", "decode failed"}});
  sync_phone(phone);
  CHECK(of_type(sync_app(app), "audio_play_response").empty());
  const auto other_answers = of_type(sync_app(other), "audio_play_response");
  REQUIRE(other_answers.size() == 1);
  CHECK(other_answers[0]["sessionId"] == other_sid);
  CHECK(other_answers[0]["success"] == false);
  CHECK(other_answers[0]["error"] == "decode failed");
  CHECK(other_answers[0]["duration"].is_null());

  // audio_stop_request: forwarded with appId, trackId dropped.
  app.send_json({{"type", "audio_stop_request"}, {"packageName", kAppPackage}, {"sessionId", sid},
                 {"trackId", 1}});
  const auto stop = phone.read_until_type("audio_stop_request");
  INFO(stop.dump());
  CHECK(stop["sessionId"] == kUser);
  CHECK(stop["appId"] == kAppPackage);
  CHECK_FALSE(stop.contains("trackId"));
  CHECK(is_iso_ms(stop["timestamp"]));
}

TEST_CASE("Playback while the phone is away is answered Glasses not connected",
          "[audio][play]") {
  TestHost host(audio_host());
  auto phone = host.connect_phone(kUser);
  const auto sid = allow_app(phone);
  auto app = ready_app(host, sid);
  phone.close();
  // The phone's close and the app's next frame travel on different sockets: let the close land.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sync_app(app);

  app.send_json({{"type", "audio_play_request"}, {"packageName", kAppPackage}, {"sessionId", sid},
                 {"requestId", "r-away"}, {"audioUrl", "https://example.com/a.mp3"}});
  const auto error = expect_app_error(app, "INTERNAL_ERROR");
  CHECK(error["message"] == "Glasses not connected");
  app.send_json({{"type", "audio_stop_request"}, {"packageName", kAppPackage}, {"sessionId", sid}});
  CHECK(expect_app_error(app, "INTERNAL_ERROR")["message"] == "Glasses not connected");
  CHECK(app.is_open());  // the reference's 1008 close is not copied (protocol.md §14.3)

  // The mapping was dropped: the phone, back, answering that id reaches nobody.
  auto again = host.connect_phone(kUser);
  again.send_json({{"type", "audio_play_response"}, {"requestId", "r-away"}, {"success", true}});
  sync_phone(again);
  CHECK(of_type(sync_app(app), "audio_play_response").empty());
}
