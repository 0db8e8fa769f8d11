// keepalive: the phone's application-level liveness messages (protocol.md §1 G3, §10.2).
// The host sends {"type":"ping"} every 2 s; this plugin answers the peers' own pings.
#include <glasshub/sdk.hpp>

#include <chrono>
#include <string>

namespace {

class KeepalivePlugin : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    pongs_ = r.counter("pongs_received_total", "pong answers to the host's pings");
    pings_ = r.counter("pings_answered_total", "pings from peers answered with pong");
    r.on(GH_ENDPOINT_GLASSES, "ping", [this](const glasshub::Message& m) {
      pings_.add();
      return m.user().send_to_glasses(R"({"type":"pong"})");
    });
    r.on(GH_ENDPOINT_GLASSES, "pong", [this](const glasshub::Message&) {
      pongs_.add();  // consumed silently: the phone answering our ping
      return GH_OK;
    });
    // SDK 3.x apps send JSON pings and expect a pong with an epoch-ms timestamp.
    r.on(GH_ENDPOINT_APP, "ping", [this](const glasshub::Message& m) {
      pings_.add();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
      return m.user().send_to_app(m.package_name(),
                                  R"({"type":"pong","timestamp":)" + std::to_string(ms) + "}");
    });
    r.on(GH_ENDPOINT_APP, "pong", [this](const glasshub::Message&) {
      pongs_.add();
      return GH_OK;
    });
    return GH_OK;
  }

 private:
  glasshub::Counter pongs_, pings_;
};

}  // namespace

GLASSHUB_PLUGIN(KeepalivePlugin, "keepalive", "1.0.0",
                "answers ping/pong liveness messages from the phone and from apps")
