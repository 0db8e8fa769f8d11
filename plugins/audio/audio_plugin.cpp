// audio: the phone's microphone and speaker (protocol.md §1 G10/G11, §2, §3.2, §5.1, §6, §7.5,
// §9.1, §9.13).
//   - binary frames from the phone: LC3 decoded to PCM when the phone configured LC3, odd byte
//     carried to the next chunk, relayed unwrapped to the apps subscribed to audio_chunk (one
//     buffer shared by every recipient, host side);
//   - POST /api/client/audio/configure: the phone announces PCM or LC3;
//   - microphone_state_change to the phone, following the apps' subscriptions with the
//     reference's debounce, hold-down, coalescing, keep-alive and resync rules;
//   - audio_play_request / audio_stop_request from apps to the phone, audio_play_response back to
//     the app that asked.
#include "audio_state.hpp"

#include <glasshub/sdk.hpp>
#include <glasshub/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

namespace glasshub::audio {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;


std::string json_str(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

constexpr std::string_view kNoSessionBody =
    R"({"error":"no_active_session",)"
    R"("message":"No active cloud session. Please ensure your app is connected."})";

// transcription / translation in any form (bare, or a language stream with options).
bool is_transcription_like(std::string_view s) {
  return s == "transcription" || s == "translation" || s.rfind("transcription:", 0) == 0 ||
         s.rfind("translation:", 0) == 0;
}

// What the apps list (User::apps_json) asks of the microphone.
MediaNeeds read_needs(const std::string& apps_json) {
  MediaNeeds n;
  const json apps = json::parse(apps_json, nullptr, false);
  if (!apps.is_array()) return n;
  for (const auto& app : apps) {
    const auto it = app.find("subscriptions");
    if (it == app.end() || !it->is_array()) continue;
    for (const auto& sub : *it) {
      if (!sub.is_string()) continue;
      const auto& s = sub.get_ref<const std::string&>();
      if (s == "audio_chunk") n.pcm = true;  // exact, as the reference (no wildcard)
      else if (is_transcription_like(s)) n.transcription = true;
    }
  }
  return n;
}

// The timings of §9.13 / §10.1; every one can be set in the manifest's config (tests).
struct Timings {
  uint64_t debounce_ms = 100;
  uint64_t off_hold_ms = 3000;
  uint64_t coalesce_ms = 1000;
  uint64_t keepalive_ms = 10000;
  uint64_t reconnect_resend_ms = 100;
  uint64_t unauthorized_audio_ms = 5000;
};

constexpr auto kPlayMappingTtl = std::chrono::minutes(2);  // SDK waits 60 s at most

class AudioPlugin : public Plugin {
 public:
  Status load(Registrar& r) override {
    if (!GH_HOST_HAS(api(), user_data_get) || !GH_HOST_HAS(api(), user_data_set) ||
        !GH_HOST_HAS(api(), user_apps) || !GH_HOST_HAS(api(), register_route) ||
        !GH_HOST_HAS(api(), http_respond) || !GH_HOST_HAS(api(), register_observer)) {
      log(GH_LOG_ERROR, "the host lacks ABI 1.1 services (user data, user apps, routes, observers)");
      return GH_ERR_REJECTED;
    }
    if (!read_timings(r.config_json())) return GH_ERR_REJECTED;

    frames_in_ = r.counter("frames_received_total", "binary audio frames from phones");
    frames_relayed_ = r.counter("frames_relayed_total",
                                "PCM chunks relayed to at least one audio_chunk subscriber");
    bytes_relayed_ = r.counter("bytes_relayed_total", "PCM bytes relayed (once per chunk)");
    frames_dropped_ = r.counter("frames_dropped_total",
                                "audio chunks that reached no app (no audio_chunk subscriber)");
    decode_errors_ = r.counter("decode_errors_total",
                               "LC3 frames liblc3 could not decode (concealed)");
    lc3_frames_ = r.counter("lc3_frames_decoded_total", "LC3 frames decoded");
    mic_changes_ = r.counter("mic_state_changes_total",
                             "microphone_state_change sent to phones (keep-alives excluded)");
    mic_keepalives_ = r.counter("mic_keepalives_total", "microphone_state_change keep-alives");
    plays_ = r.counter("play_requests_total", "audio_play_request forwarded to phones");
    play_responses_ = r.counter("play_responses_total", "audio_play_response delivered to apps");
    play_failures_ = r.counter("play_requests_failed_total",
                               "audio play/stop requests refused: glasses not connected");

    Status st = GH_OK;
    auto ok = [&](Status s) {
      if (st == GH_OK) st = s;
    };
    ok(r.on(GH_ENDPOINT_GLASSES, GH_BINARY_FRAME_TYPE,
            [this](const Message& m) { return on_audio(m); }));
    ok(r.on(GH_ENDPOINT_GLASSES, "audio_play_response",
            [this](const Message& m) { return on_play_response(m); }));
    ok(r.on(GH_ENDPOINT_APP, "audio_play_request",
            [this](const Message& m) { return on_play_request(m); }));
    ok(r.on(GH_ENDPOINT_APP, "audio_stop_request",
            [this](const Message& m) { return on_stop_request(m); }));
    // The device plugin owns it; the microphone only needs to see it (§9.13 resync).
    ok(r.observe(GH_ENDPOINT_GLASSES, "glasses_connection_state", [this](const Message& m) {
      on_connection_state(m.user(), m["status"].string_or(""));
      return GH_OK;
    }));
    ok(r.route(GH_HTTP_POST, "/api/client/audio/configure", GH_ROUTE_AUTH_USER,
               [this](const Request& q) { return on_configure(q); }));
    return st;
  }

  // --- lifecycle ------------------------------------------------------------------------------

  void on_glasses_connected(User& u) override {
    UserAudio& a = state(u);
    a.mic.phone_connected = true;
    a.has_carry = false;  // a new socket starts a new stream
    if (a.lc3) a.decoder.reset();
    if (a.mic.phone_seen) {
      // §5.1: a reconnect within the session grace gets the current state ~100 ms later.
      cancel(u, a.mic.resync_timer);
      u.start_timer(timings_.reconnect_resend_ms,
                    [this](User& user) {
                      state(user).mic.resync_timer = 0;
                      force_resync(user);
                    },
                    &a.mic.resync_timer);
    }
    a.mic.phone_seen = true;
  }

  void on_glasses_disconnected(User& u) override { state(u).mic.phone_connected = false; }

  void on_subscriptions_changed(User& u, std::string_view) override {
    UserAudio& a = state(u);
    a.mic.needs = needs_of(u);  // fresh at once: audio arriving meanwhile is judged by it
    cancel(u, a.mic.debounce_timer);
    u.start_timer(timings_.debounce_ms,
                  [this](User& user) {
                    state(user).mic.debounce_timer = 0;
                    on_subscriptions_settled(user);
                  },
                  &a.mic.debounce_timer);
  }

 private:
  UserAudio& state(const User& u) const { return user_state<UserAudio>(u); }

  static void cancel(const User& u, uint64_t& timer) {
    if (timer) u.cancel_timer(timer);
    timer = 0;
  }

  bool read_timings(const glasshub::Json& config) {
    struct Key {
      const char* name;
      uint64_t* value;
    };
    const Key keys[] = {{"micDebounceMs", &timings_.debounce_ms},
                        {"micOffHoldMs", &timings_.off_hold_ms},
                        {"micCoalesceMs", &timings_.coalesce_ms},
                        {"micKeepAliveMs", &timings_.keepalive_ms},
                        {"micReconnectResendMs", &timings_.reconnect_resend_ms},
                        {"unauthorizedAudioMs", &timings_.unauthorized_audio_ms}};
    for (const Key& k : keys) {
      const auto node = config[k.name];
      if (!node.exists()) continue;
      const auto v = node.number();
      if (!v || *v < 0 || *v > 86400000.0) {
        log(GH_LOG_ERROR, std::string("config.") + k.name +
                              " must be a number of milliseconds between 0 and 86400000");
        return false;
      }
      *k.value = static_cast<uint64_t>(*v);
    }
    return true;
  }

  // --- audio in ------------------------------------------------------------------------------

  Status on_audio(const Message& m) {
    User u = m.user();
    UserAudio& a = state(u);
    frames_in_.add();
    on_audio_received(u, a);

    std::string_view chunk = m.raw();
    if (a.lc3) {
      a.pcm.clear();
      const auto r = a.decoder.decode(chunk, a.pcm);
      if (r.frames) lc3_frames_.add(r.frames);
      if (r.errors) decode_errors_.add(r.errors);
      chunk = std::string_view(reinterpret_cast<const char*>(a.pcm.data()),
                               a.pcm.size() * sizeof(int16_t));
    }
    // Even length (§7.5): a dangling byte goes in front of the next chunk.
    if (a.has_carry && !chunk.empty()) {
      a.joined.assign(1, a.carry);
      a.joined.append(chunk);
      chunk = a.joined;
      a.has_carry = false;
    }
    if (chunk.size() & 1) {
      a.carry = chunk.back();
      a.has_carry = true;
      chunk.remove_suffix(1);
    }
    if (chunk.empty()) return GH_OK;  // a partial LC3 frame or one byte: nothing to relay yet
    uint32_t delivered = 0;
    Status st = u.publish_binary("audio_chunk", chunk, GH_DELIVERY_DROPPABLE, &delivered);
    if (delivered) {
      frames_relayed_.add();
      bytes_relayed_.add(chunk.size());
    } else {
      frames_dropped_.add();
    }
    return st;
  }

  // --- POST /api/client/audio/configure ------------------------------------------------------

  Status on_configure(const Request& q) {
    if (!q.has_session()) return q.respond(503, kNoSessionBody);
    json body = json::parse(q.body(), nullptr, false);
    if (!body.is_object()) body = json::object();
    const auto fmt = body.find("format");
    if (fmt == body.end() || !fmt->is_string() ||
        (fmt->get_ref<const std::string&>() != "pcm" && fmt->get_ref<const std::string&>() != "lc3")) {
      return q.respond(400, json{{"success", false},
                                 {"message", "Invalid format. Must be \"pcm\" or \"lc3\""},
                                 {"timestamp", glasshub::iso_timestamp()}}
                                .dump());
    }
    const bool lc3 = fmt->get_ref<const std::string&>() == "lc3";
    json config = body.contains("lc3Config") ? body["lc3Config"] : json();
    if (lc3) {
      // The reference replaces what it cannot use with the canonical values (16 kHz, 10 ms, 20).
      if (!config.is_object()) config = json{{"sampleRate", 16000}, {"frameDurationMs", 10},
                                             {"frameSizeBytes", 20}};
      if (config.value("sampleRate", json()) != 16000 ||
          config.value("frameDurationMs", json()) != 10) {
        config["sampleRate"] = 16000;
        config["frameDurationMs"] = 10;
      }
      const json size = config.value("frameSizeBytes", json());
      if (size != 20 && size != 40 && size != 60) config["frameSizeBytes"] = 20;
    }
    User u = q.user();
    UserAudio& a = state(u);
    if (lc3) {
      const int frame_bytes = config["frameSizeBytes"].get<int>();
      if (!a.decoder.configure(frame_bytes)) {
        log(GH_LOG_ERROR, "liblc3 refused a decoder for " + std::to_string(frame_bytes) +
                              "-byte frames");
        return q.respond(500, json{{"success", false},
                                   {"message", "Failed to configure audio format"},
                                   {"timestamp", glasshub::iso_timestamp()}}
                                  .dump());
      }
    }
    a.lc3 = lc3;
    a.has_carry = false;
    json answer = {{"success", true}, {"format", lc3 ? "lc3" : "pcm"}};
    if (!config.is_null()) answer["lc3Config"] = config;
    answer["message"] = "Audio format configured successfully";
    answer["timestamp"] = glasshub::iso_timestamp();
    return q.respond(200, answer.dump());
  }

  // --- microphone (§9.13, after the reference MicrophoneManager) ------------------------------

  // What every app of the user (connected or in its grace period) needs from the microphone now.
  MediaNeeds needs_of(User& u) {
    MicState& mic = state(u).mic;
    const std::string apps = u.apps_json();
    const std::size_t seen = std::hash<std::string>{}(apps);
    if (seen != mic.apps_read) {
      mic.apps_needs = read_needs(apps);
      mic.apps_read = seen;
    }
    return mic.apps_needs;
  }

  // 100 ms after the last subscription change: on at once, off after the hold-down.
  void on_subscriptions_settled(User& u) {
    MicState& mic = state(u).mic;
    mic.needs = needs_of(u);
    cancel(u, mic.holddown_timer);
    if (mic.needs.any()) {
      update_state(u, true, mic.needs.required_pcm());
      return;
    }
    u.start_timer(timings_.off_hold_ms,
                  [this](User& user) {
                    MicState& m = state(user).mic;
                    m.holddown_timer = 0;
                    m.needs = needs_of(user);  // re-check before turning off
                    if (!m.needs.any()) update_state(user, false, m.needs.required_pcm());
                  },
                  &mic.holddown_timer);
  }

  // The first change in a quiet period goes out now; later ones within the coalescing window
  // replace each other and the last goes out when it ends, if it differs from what was sent.
  void update_state(User& u, bool on, bool required) {
    MicState& mic = state(u).mic;
    if (!mic.coalesce_timer) {
      send_state(u, on, required);
      mic.last_sent = on;
      mic.last_sent_required = required;
      mic.enabled = on;
    } else {
      cancel(u, mic.coalesce_timer);
    }
    mic.pending = on;
    mic.pending_required = required;
    u.start_timer(timings_.coalesce_ms,
                  [this](User& user) {
                    MicState& m = state(user).mic;
                    m.coalesce_timer = 0;
                    if (m.pending != m.last_sent || m.pending_required != m.last_sent_required) {
                      send_state(user, m.pending, m.pending_required);
                      m.last_sent = m.pending;
                      m.last_sent_required = m.pending_required;
                      m.enabled = m.pending;
                    }
                    update_keepalive(user);
                  },
                  &mic.coalesce_timer);
  }

  // Sends at once, whatever was sent before (reconnects, drift).
  void force_resync(User& u) {
    MicState& mic = state(u).mic;
    mic.needs = needs_of(u);
    const bool on = mic.needs.any();
    send_state(u, on, mic.needs.required_pcm());
    mic.enabled = on;
    mic.last_sent = on;
    mic.last_sent_required = mic.needs.required_pcm();
    update_keepalive(u);
  }

  bool send_state(User& u, bool on, bool required, bool keepalive = false) {
    MicState& mic = state(u).mic;
    std::string frame = R"({"type":"microphone_state_change","sessionId":)" + json_str(u.id()) +
                        R"(,"isMicrophoneEnabled":)" + (on ? "true" : "false") +
                        R"(,"requiredData":)" + (on && required ? R"(["pcm"])" : "[]") +
                        R"(,"bypassVad":)" + (mic.needs.pcm ? "true" : "false") +
                        R"(,"timestamp":")" + glasshub::iso_timestamp() + "\"}";
    if (u.send_to_glasses(frame) != GH_OK) return false;  // no phone: it gets a resync later
    if (keepalive) {
      mic_keepalives_.add();
    } else {
      mic_changes_.add();
      update_keepalive(u);
    }
    return true;
  }

  // A keep-alive runs while the mic is on and something needs it.
  void update_keepalive(User& u) {
    MicState& mic = state(u).mic;
    const bool wanted = mic.enabled && mic.needs.any();
    if (wanted && !mic.keepalive_timer) {
      u.start_timer(timings_.keepalive_ms, [this](User& user) { on_keepalive(user); },
                    &mic.keepalive_timer);
    } else if (!wanted && mic.keepalive_timer) {
      cancel(u, mic.keepalive_timer);
    }
  }

  void on_keepalive(User& u) {
    MicState& mic = state(u).mic;
    mic.keepalive_timer = 0;
    if (mic.phone_connected) {
      mic.needs = needs_of(u);
      if (mic.needs.any() && mic.enabled) {
        send_state(u, mic.last_sent, mic.last_sent_required, /*keepalive=*/true);
      } else if (mic.needs.any()) {
        force_resync(u);  // drift: apps need audio but the mic was marked off
      } else {
        return;  // nothing needs the mic: the keep-alive stops
      }
    }
    if (!mic.keepalive_timer && mic.enabled && mic.needs.any())
      u.start_timer(timings_.keepalive_ms, [this](User& user) { on_keepalive(user); },
                    &mic.keepalive_timer);
  }

  // Audio arriving says what the phone believes: correct it when it disagrees.
  void on_audio_received(User& u, UserAudio& a) {
    MicState& mic = a.mic;
    if (mic.unauthorized_timer) return;
    if (mic.needs.any()) {
      if (!mic.enabled) force_resync(u);
      return;
    }
    // Nobody needs audio: mic off now, and no more audio-driven checks for a while.
    send_state(u, false, false);
    mic.enabled = false;
    mic.last_sent = false;
    mic.last_sent_required = false;
    cancel(u, mic.keepalive_timer);
    u.start_timer(timings_.unauthorized_audio_ms,
                  [this](User& user) {
                    MicState& m = state(user).mic;
                    m.unauthorized_timer = 0;
                    m.needs = needs_of(user);
                  },
                  &mic.unauthorized_timer);
  }

  // glasses_connection_state: resync on a real (re)connect, not on every repeated CONNECTED.
  void on_connection_state(User u, std::string_view status) {
    MicState& mic = state(u).mic;
    const bool connect_like = status == "CONNECTED" || status == "RECONNECTED";
    const GlassesLink now = connect_like ? GlassesLink::connected : GlassesLink::disconnected;
    if (status != "RECONNECTED" && now == mic.link) return;
    mic.link = now;
    if (connect_like) force_resync(u);
  }

  // --- audio playback (§9.1) ----------------------------------------------------------------

  // The reference's answer when the phone socket is closed (it also closes the app socket with
  // 1008, protocol.md §14 quirk 3, which this host does not copy).
  static std::string glasses_not_connected() {
    return R"({"type":"tpa_connection_error","code":"INTERNAL_ERROR",)"
           R"("message":"Glasses not connected","timestamp":")" +
           glasshub::iso_timestamp() + "\"}";
  }

  static void append_field(std::string& out, std::string_view key, const glasshub::Json& value) {
    if (!value.exists()) return;
    out += ",\"";
    out += key;
    out += "\":";
    out += value.dump();
  }

  Status on_play_request(const Message& m) {
    User u = m.user();
    UserAudio& a = state(u);
    const std::string package(m.package_name());  // the socket's package, not the message's
    const auto request_id = m["requestId"].string();
    const auto now = Clock::now();
    for (auto it = a.plays.begin(); it != a.plays.end();)  // never answered: forget
      it = now - it->second.at > kPlayMappingTtl ? a.plays.erase(it) : std::next(it);
    if (request_id) a.plays[std::string(*request_id)] = PendingPlay{package, now};

    std::string frame = R"({"type":"audio_play_request","sessionId":)" + json_str(u.id());
    append_field(frame, "requestId", m["requestId"]);
    frame += R"(,"packageName":)" + json_str(package);
    append_field(frame, "audioUrl", m["audioUrl"]);
    append_field(frame, "volume", m["volume"]);
    append_field(frame, "stopOtherAudio", m["stopOtherAudio"]);
    frame += R"(,"timestamp":")" + glasshub::iso_timestamp() + "\"}";  // trackId is not forwarded
    const Status st = u.send_to_glasses(frame);
    if (st == GH_ERR_NOT_FOUND) {
      if (request_id) a.plays.erase(std::string(*request_id));
      play_failures_.add();
      u.send_to_app(package, glasses_not_connected());
      return GH_OK;
    }
    if (st == GH_OK) plays_.add();
    return st;
  }

  Status on_stop_request(const Message& m) {
    User u = m.user();
    const std::string frame = R"({"type":"audio_stop_request","sessionId":)" + json_str(u.id()) +
                              R"(,"appId":)" + json_str(m.package_name()) +
                              R"(,"timestamp":")" + glasshub::iso_timestamp() + "\"}";
    const Status st = u.send_to_glasses(frame);
    if (st == GH_ERR_NOT_FOUND) {
      play_failures_.add();
      u.send_to_app(m.package_name(), glasses_not_connected());
      return GH_OK;
    }
    return st;
  }

  Status on_play_response(const Message& m) {
    const auto request_id = m["requestId"].string();
    if (!request_id) return GH_OK;
    User u = m.user();
    UserAudio& a = state(u);
    const auto it = a.plays.find(std::string(*request_id));
    if (it == a.plays.end()) return GH_OK;  // unknown or already answered: dropped (§9.1)
    const std::string package = std::move(it->second.package);
    a.plays.erase(it);
    const auto field = [&](std::string_view key, std::string_view fallback) {
      const auto v = m[key];
      return v.exists() ? v.dump() : std::string(fallback);
    };
    const std::string frame =
        R"({"type":"audio_play_response","sessionId":)" + json_str(std::string(u.id()) + "-" + package) +
        R"(,"requestId":)" + json_str(*request_id) + R"(,"success":)" + field("success", "false") +
        R"(,"error":)" + field("error", "null") + R"(,"duration":)" + field("duration", "null") +
        R"(,"timestamp":")" + glasshub::iso_timestamp() + "\"}";
    if (u.send_to_app(package, frame) == GH_OK) play_responses_.add();
    return GH_OK;
  }

  Timings timings_;
  Counter frames_in_, frames_relayed_, bytes_relayed_, frames_dropped_, decode_errors_,
      lc3_frames_, mic_changes_, mic_keepalives_, plays_, play_responses_, play_failures_;
};

}  // namespace

}  // namespace glasshub::audio

GLASSHUB_PLUGIN(glasshub::audio::AudioPlugin, "audio", "1.0.0",
                "phone audio to audio_chunk apps (PCM, LC3 decoded), microphone control, playback")
