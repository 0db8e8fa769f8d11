// The smallest useful glasshub plugin: the glasses say "hello", the plugin answers the user.
//   glasses {"type":"hello"} -> {"type":"hello_back","user":"<user id>"}
#include <glasshub/sdk.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace {

// `text` as a JSON string literal (the SDK hands out raw bytes; we build the reply ourselves).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

class Hello : public glasshub::Plugin {
 public:
  glasshub::Status load(glasshub::Registrar& r) override {
    return r.on(GH_ENDPOINT_GLASSES, "hello", [](const glasshub::Message& m) {
      const std::string reply =
          R"({"type":"hello_back","user":)" + json_string(m.user_id()) + "}";
      return m.user().send_to_glasses(reply);
    });
  }
};

}  // namespace

GLASSHUB_PLUGIN(Hello, "hello", "1.0.0", "answers the glasses' hello with the user's id")
