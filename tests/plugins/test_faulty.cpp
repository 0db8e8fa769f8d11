// test_faulty: handlers that fail on purpose, and an echo to prove the connection survives.
//   glasses fault_throw -> throws (the SDK turns it into GH_ERR_INTERNAL)
//   glasses fault_error -> returns GH_ERR_INTERNAL
//   app fault_throw, app fault_error -> the same on the app socket
//   glasses slow        -> takes 50 ms, then succeeds (for latency figures)
//   glasses echo        -> sends the received frame back, byte for byte, and logs it through the
//                          SDK at debug ("echo debug") and info ("echo info")
#include <glasshub/sdk.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

class Faulty : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    for (const gh_endpoint ep : {GH_ENDPOINT_GLASSES, GH_ENDPOINT_APP}) {
      glasshub::Status st = r.on(ep, "fault_throw",
                                 [](const glasshub::Message&) -> glasshub::Status {
                                   throw std::runtime_error("fault_throw: failing on purpose");
                                 });
      if (st != GH_OK) return st;
      st = r.on(ep, "fault_error", [](const glasshub::Message&) { return GH_ERR_INTERNAL; });
      if (st != GH_OK) return st;
    }
    const glasshub::Status st = r.on(GH_ENDPOINT_GLASSES, "slow", [](const glasshub::Message&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return GH_OK;
    });
    if (st != GH_OK) return st;
    return r.on(GH_ENDPOINT_GLASSES, "echo", [this](const glasshub::Message& m) {
      log(GH_LOG_DEBUG, "echo debug");
      log(GH_LOG_INFO, "echo info");
      return m.user().send_to_glasses(m.raw());
    });
  }
};

}  // namespace

GLASSHUB_PLUGIN(Faulty, "test_faulty", "0.1.0", "fails on purpose (fault_throw, fault_error); echo")
