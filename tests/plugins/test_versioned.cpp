// test_versioned: one plugin built twice (TEST_VERSION "1.0.0" and "2.0.0", two files) so a test
// can upgrade it live by pointing the manifest at the other file.
//   app {"type":"vr_echo","n":N} -> {"type":"vr_reply","version":TEST_VERSION,"n":N,"known":B}
// `known`: this instance saw the user's session start (on_user_session_created), which an
// upgraded build gets for the sessions already running.
#include <glasshub/sdk.hpp>

#include <string>

namespace {

class Versioned : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    return r.on(GH_ENDPOINT_APP, "vr_echo", [this](const glasshub::Message& m) {
      const bool known = user_state<Seen>(m.user()).started;
      return m.user().send_to_app(m.package_name(),
                                  std::string(R"({"type":"vr_reply","version":")") +
                                      TEST_VERSION + R"(","n":)" + m["n"].dump() +
                                      R"(,"known":)" + (known ? "true" : "false") + "}");
    });
  }
  void on_user_session_created(glasshub::User& user) override {
    user_state<Seen>(user).started = true;
  }

 private:
  struct Seen {
    bool started = false;
  };
};

}  // namespace

GLASSHUB_PLUGIN(Versioned, "test_versioned", TEST_VERSION, "answers vr_echo with its version")
