// In-memory stand-ins for what host/ gives the core: a WebSocket connection and the outbound
// HTTP client. Single-threaded (the fuzzer runs one io_context on its own thread). Each checks
// what the core hands it, and aborts on output no client could parse: that is a finding.
#pragma once

#include "finding.hpp"

#include <glasshub/core/connection.hpp>
#include <glasshub/core/http.hpp>

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace glasshub::fuzz {

// Every text frame the host sends must be a JSON object with a string `type`.
inline void check_text_frame(std::string_view frame) {
  const auto doc = nlohmann::json::parse(frame, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
    finding("the host sent a text frame that is not a JSON object with a string type", frame);
}

class FakeConnection final : public core::Connection {
 public:
  explicit FakeConnection(uint64_t id) : id_(id) {}

  bool send(std::string_view frame, gh_frame_kind kind, gh_delivery) override {
    if (closing_) return false;
    if (kind == GH_FRAME_TEXT) check_text_frame(frame);
    ++frames_;
    return true;
  }
  void close(uint16_t code, std::string) override {
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
  }
  uint64_t id() const override { return id_; }

  bool closing() const noexcept { return closing_; }
  uint16_t close_code() const noexcept { return close_code_; }
  uint64_t frames() const noexcept { return frames_; }

 private:
  uint64_t id_;
  bool closing_ = false;
  uint16_t close_code_ = 0;
  uint64_t frames_ = 0;
};

// Outbound calls wait until the input answers them (or the world ends); nothing leaves the process.
class FakeHttpClient final : public core::HttpClient {
 public:
  struct Pending {
    core::HttpCall call;
    std::function<void(core::HttpCallResult)> done;
  };

  void send(core::HttpCall call, std::function<void(core::HttpCallResult)> done) override {
    if (!done) finding("the host made an outbound call without a completion");
    pending_.push_back({std::move(call), std::move(done)});
  }

  // The oldest call not answered yet, removed from the queue; false when there is none.
  bool take_oldest(Pending& out) {
    if (pending_.empty()) return false;
    out = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }

  // Every call still open fails as if the network had dropped it.
  void fail_all() {
    while (!pending_.empty()) {
      auto p = std::move(pending_.front());
      pending_.pop_front();
      p.done(core::HttpCallResult{0, {}, "fuzz: no answer"});
    }
  }

 private:
  std::deque<Pending> pending_;
};

}  // namespace glasshub::fuzz
