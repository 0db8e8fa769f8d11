// One user's audio: the phone's announced format and its decoder, the buffers reused frame after
// frame, the microphone state machine of protocol.md §9.13, and the pending audio_play_requests
// (§9.1). Lives in Plugin::user_state, so only the user's serial context touches it.
#pragma once

#include "lc3_stream.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace glasshub::audio {

// What the apps' subscriptions ask of the microphone (reference SubscriptionManager:
// hasPCMTranscriptionSubscriptions).
struct MediaNeeds {
  bool pcm = false;            // some app subscribed to audio_chunk
  bool transcription = false;  // some app subscribed to a transcription/translation stream
  bool any() const noexcept { return pcm || transcription; }
  // requiredData: ["pcm"] whenever audio is needed (the reference never asks for more).
  bool required_pcm() const noexcept { return any(); }
};

enum class GlassesLink { unknown, connected, disconnected };

struct MicState {
  MediaNeeds needs;  // refreshed on every subscription change

  // The apps list the needs were last read from (its hash: no heap per user), and what it said:
  // the keep-alive's re-check (every 10 s per user) reads the list again only when it changed.
  std::size_t apps_read = 0;
  MediaNeeds apps_needs;

  // What the phone was last told (reference MicrophoneManager fields).
  bool enabled = false;
  bool last_sent = false;
  bool last_sent_required = false;
  bool pending = false;
  bool pending_required = false;

  // One-shot host timers (0: not running).
  uint64_t debounce_timer = 0;      // subscription-change debounce
  uint64_t holddown_timer = 0;      // mic-off hold-down
  uint64_t coalesce_timer = 0;      // state-change coalescing window
  uint64_t keepalive_timer = 0;     // re-send while on
  uint64_t unauthorized_timer = 0;  // audio-without-subscribers quiet window
  uint64_t resync_timer = 0;        // re-send after a phone reconnect

  bool phone_connected = false;
  bool phone_seen = false;  // a later connect is a reconnect
  GlassesLink link = GlassesLink::unknown;
};

struct PendingPlay {
  std::string package;
  std::chrono::steady_clock::time_point at;
};

struct UserAudio {
  // Format announced with POST /api/client/audio/configure (PCM until then).
  bool lc3 = false;
  Lc3Stream decoder;
  std::vector<int16_t> pcm;  // decoded samples of the current chunk (capacity kept)
  std::string joined;        // carried odd byte + this chunk (capacity kept)
  bool has_carry = false;
  char carry = 0;

  MicState mic;
  std::unordered_map<std::string, PendingPlay> plays;  // requestId → the app that asked
};

}  // namespace glasshub::audio
