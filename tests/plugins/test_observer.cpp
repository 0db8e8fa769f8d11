// test_observer: shows the phone what an observer and the plugin-event hook see.
//   observes glasses button_press and `unowned_event` -> {"type":"observed","seen":<type>}
//   any plugin event -> {"type":"event_seen","topic":<topic>,"data":<data>}
#include <glasshub/sdk.hpp>

#include <string>

namespace {

class Observer : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    for (const char* type : {"button_press", "unowned_event"}) {
      glasshub::Status st = r.observe(GH_ENDPOINT_GLASSES, type, [](const glasshub::Message& m) {
        return m.user().send_to_glasses(R"({"type":"observed","seen":")" +
                                        std::string(m.type()) + "\"}");
      });
      if (st != GH_OK) return st;
    }
    return GH_OK;
  }

  void on_plugin_event(glasshub::User& user, std::string_view topic,
                       std::string_view data) override {
    user.send_to_glasses(R"({"type":"event_seen","topic":")" + std::string(topic) +
                         R"(","data":)" + std::string(data) + "}");
  }
};

}  // namespace

GLASSHUB_PLUGIN(Observer, "test_observer", "0.1.0",
                "observes types it does not own and echoes plugin events to the phone")
