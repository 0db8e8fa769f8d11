// test_faulty: handlers that fail on purpose, and an echo to prove the connection survives.
//   glasses fault_throw -> throws (the SDK turns it into GH_ERR_INTERNAL)
//   glasses fault_error -> returns GH_ERR_INTERNAL
//   glasses echo        -> sends the received frame back, byte for byte
#include <glasshub/sdk.hpp>

#include <stdexcept>

namespace {

class Faulty : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    glasshub::Status st = r.on(GH_ENDPOINT_GLASSES, "fault_throw",
                               [](const glasshub::Message&) -> glasshub::Status {
                                 throw std::runtime_error("fault_throw: failing on purpose");
                               });
    if (st != GH_OK) return st;
    st = r.on(GH_ENDPOINT_GLASSES, "fault_error",
              [](const glasshub::Message&) { return GH_ERR_INTERNAL; });
    if (st != GH_OK) return st;
    return r.on(GH_ENDPOINT_GLASSES, "echo", [](const glasshub::Message& m) {
      return m.user().send_to_glasses(m.raw());
    });
  }
};

}  // namespace

GLASSHUB_PLUGIN(Faulty, "test_faulty", "0.1.0", "fails on purpose (fault_throw, fault_error); echo")
