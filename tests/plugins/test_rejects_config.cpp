// test_rejects_config: refuses to load unless its manifest config has a string "greeting".
//   glasses greet -> {"type":"greeting","text":<greeting>}
#include <glasshub/sdk.hpp>

#include <string>

namespace {

class RejectsConfig : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    auto greeting = r.config_json()["greeting"];
    if (!greeting.is_string()) {
      log(GH_LOG_ERROR, "config needs \"greeting\" (a string), got: " + std::string(r.config()));
      return GH_ERR_REJECTED;
    }
    reply_ = R"({"type":"greeting","text":)" + greeting.dump() + "}";
    return r.on(GH_ENDPOINT_GLASSES, "greet", [this](const glasshub::Message& m) {
      return m.user().send_to_glasses(reply_);
    });
  }

 private:
  std::string reply_;
};

}  // namespace

GLASSHUB_PLUGIN(RejectsConfig, "test_rejects_config", "0.1.0",
                "loads only with a string \"greeting\" in its config")
