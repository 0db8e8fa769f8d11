// test_dup: claims glasses "ping", which keepalive already owns; the host must refuse the pair.
#include <glasshub/sdk.hpp>

namespace {

class Dup : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    return r.on(GH_ENDPOINT_GLASSES, "ping", [](const glasshub::Message& m) {
      return m.user().send_to_glasses(R"({"type":"pong","from":"test_dup"})");
    });
  }
};

}  // namespace

GLASSHUB_PLUGIN(Dup, "test_dup", "0.1.0", "claims glasses ping (clashes with keepalive)")
