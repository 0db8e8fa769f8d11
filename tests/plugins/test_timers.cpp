// test_timers: per-user state and a long timer, to show what a plugin hears when a live reload
// disables it.
//   app {"type":"tm_ask","n":N} -> {"type":"tm_reply","n":N}
//   app {"type":"tm_arm"}       -> a 60 s timer and user state for this user -> {"type":"tm_armed"}
// Log lines: "test_timers: timer released unfired" (the host cancelled the timer),
// "test_timers: user state freed", "test_timers: unloaded" (on_unload).
#include <glasshub/sdk.hpp>

#include <memory>

namespace {

class Timers : public glasshub::Plugin {
 public:
  ~Timers() override { log(GH_LOG_INFO, "test_timers: unloaded"); }

  glasshub::Status load(glasshub::Registrar& r) override {
    glasshub::Status st = r.on(GH_ENDPOINT_APP, "tm_ask", [](const glasshub::Message& m) {
      return m.user().send_to_app(m.package_name(),
                                  R"({"type":"tm_reply","n":)" + m["n"].dump() + "}");
    });
    if (st != GH_OK) return st;
    return r.on(GH_ENDPOINT_APP, "tm_arm", [this](const glasshub::Message& m) {
      user_state<Armed>(m.user()).owner = this;
      auto pending = std::make_shared<Pending>();
      pending->owner = this;
      const glasshub::Status started =
          m.user().start_timer(60000, [pending](glasshub::User&) { pending->fired = true; });
      if (started != GH_OK) return started;
      return m.user().send_to_app(m.package_name(), R"({"type":"tm_armed"})");
    });
  }

 private:
  struct Armed {
    const Timers* owner = nullptr;
    ~Armed() {
      if (owner) owner->log(GH_LOG_INFO, "test_timers: user state freed");
    }
  };
  struct Pending {
    const Timers* owner = nullptr;
    bool fired = false;
    ~Pending() {
      if (!fired) owner->log(GH_LOG_INFO, "test_timers: timer released unfired");
    }
  };
};

}  // namespace

GLASSHUB_PLUGIN(Timers, "test_timers", "1.0.0", "tm_ask answers; tm_arm keeps a timer and state")
