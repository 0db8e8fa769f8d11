// test_app_starter: stands in for the app lifecycle plugin until it exists (issue 4).
//   glasses {"type":"test_allow_app","packageName":P} -> host allow_app(P) ->
//   {"type":"test_app_allowed","packageName":P,"sessionId":<sid>} or
//   {"type":"test_app_refused","packageName":P}
#include <glasshub/sdk.hpp>

#include <string>

namespace {

class AppStarter : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    return r.on(GH_ENDPOINT_GLASSES, "test_allow_app", [](const glasshub::Message& m) {
      auto package = m["packageName"].string();
      if (!package) return GH_ERR_INVALID_ARGUMENT;
      const std::string quoted = m["packageName"].dump();
      auto sid = m.user().allow_app(*package);
      if (!sid)
        return m.user().send_to_glasses(R"({"type":"test_app_refused","packageName":)" + quoted +
                                        "}");
      return m.user().send_to_glasses(R"({"type":"test_app_allowed","packageName":)" + quoted +
                                      R"(,"sessionId":")" + *sid + "\"}");
    });
  }
};

}  // namespace

GLASSHUB_PLUGIN(AppStarter, "test_app_starter", "0.1.0",
                "lets a test phone allow an app to connect (until app_lifecycle exists)")
