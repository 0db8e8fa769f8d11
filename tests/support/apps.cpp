#include "support/apps.hpp"

#include <regex>
#include <stdexcept>

namespace glasshub::test {

namespace {

constexpr const char* kProbeType = "test_sync_probe";

// Messages until `is_last` matches one (returned last). Throws TimeoutError naming the rest.
template <class Pred>
std::vector<nlohmann::json> read_through(WsClient& client, Pred is_last, const char* what) {
  std::vector<nlohmann::json> out;
  while (true) {
    auto message = client.next_message(3s);
    if (!message) {
      std::string seen;
      for (const auto& m : out) seen += m.dump() + " ";
      throw TimeoutError(std::string("no ") + what + " within 3 s; got: " + seen);
    }
    if (is_last(*message)) return out;
    out.push_back(std::move(*message));
  }
}

}  // namespace

nlohmann::json app_registry_entry(const std::string& package, const std::string& api_key) {
  return {{"packageName", package},
          {"name", "Example"},
          {"publicUrl", "http://127.0.0.1:1"},
          {"apiKey", api_key},
          {"permissions", {"MICROPHONE"}}};
}

HostSetup app_host_setup(const nlohmann::json& config) {
  HostSetup setup;
  // device owns device_state_update, which follows every ack (protocol.md §5.2).
  setup.manifest = manifest_of({keepalive_entry(), product_plugin_entry("device"),
                                test_plugin_entry("test_app_starter")});
  setup.config = {{"apps", {app_registry_entry()}}};
  setup.config.merge_patch(config);
  return setup;
}

std::string allow_app(WsClient& phone, const std::string& package) {
  phone.send_json({{"type", "test_allow_app"}, {"packageName", package}});
  const auto answer = phone.read_until_type("test_app_allowed");
  if (answer.value("packageName", "") != package || !answer["sessionId"].is_string())
    throw std::runtime_error("unexpected test_app_allowed: " + answer.dump());
  return answer["sessionId"].get<std::string>();
}

nlohmann::json app_init(const std::string& session_id, const std::string& package,
                        const std::string& api_key) {
  return {{"type", "tpa_connection_init"},
          {"sessionId", session_id},
          {"packageName", package},
          {"apiKey", api_key},
          {"timestamp", "2026-03-19T10:00:01.100Z"}};
}

WsClient open_app_socket(uint16_t port) {
  WsClient app;
  const auto result = app.connect(port, "/app-ws");
  if (!result.upgraded)
    throw std::runtime_error("/app-ws refused: HTTP " + std::to_string(result.status) + " " +
                             result.body);
  return app;
}

WsClient connect_app(uint16_t port, const std::string& session_id, const std::string& package,
                     const std::string& api_key) {
  WsClient app = open_app_socket(port);
  app.send_json(app_init(session_id, package, api_key));
  const auto ack = app.next_message(3s);
  if (!ack || ack->value("type", "") != "tpa_connection_ack")
    throw std::runtime_error("init of " + session_id + " not acknowledged; got: " +
                             (ack ? ack->dump() : std::string("nothing")));
  app.read_until_type("device_state_update");
  return app;
}

WsClient ready_app(const TestHost& host, const std::string& session_id,
                   const std::string& package, const std::string& api_key) {
  auto app = connect_app(host.port(), session_id, package, api_key);
  sync_app(app);
  return app;
}

std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& messages,
                                    const std::string& type) {
  std::vector<nlohmann::json> out;
  for (const auto& m : messages)
    if (m.value("type", "") == type) out.push_back(m);
  return out;
}

bool is_iso_ms(const nlohmann::json& v) {
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return v.is_string() && std::regex_match(v.get<std::string>(), iso);
}

std::string subscription_update(const std::string& session_id,
                                const std::vector<std::string>& streams,
                                const std::string& package) {
  return nlohmann::json{{"type", "subscription_update"},
                        {"packageName", package},
                        {"sessionId", session_id},
                        {"subscriptions", streams}}
      .dump();
}

void subscribe(WsClient& app, const std::string& session_id,
               const std::vector<std::string>& streams, const std::string& package) {
  app.send_text(subscription_update(session_id, streams, package));
  sync_app(app);
}

std::string sync_probe() { return std::string(R"({"type":")") + kProbeType + "\"}"; }

std::vector<nlohmann::json> sync_app(WsClient& app) {
  app.send_text(sync_probe());
  return await_sync_answer(app);
}

std::vector<nlohmann::json> await_sync_answer(WsClient& app) {
  return read_through(
      app,
      [](const nlohmann::json& m) {
        return m.value("type", "") == "tpa_connection_error" &&
               m.value("code", "") == "UNSUPPORTED_MESSAGE_TYPE" &&
               m.value("message", "").find(kProbeType) != std::string::npos;
      },
      "answer to the app's sync probe");
}

std::vector<nlohmann::json> sync_phone(WsClient& phone) {
  phone.send_json({{"type", "ping"}});
  return read_through(
      phone, [](const nlohmann::json& m) { return m.value("type", "") == "pong"; },
      "pong to the phone's sync ping");
}

nlohmann::json expect_app_error(WsClient& app, const std::string& code) {
  const auto error = app.read_until_type("tpa_connection_error", 3s);
  if (error.value("code", "") != code)
    throw std::runtime_error("expected tpa_connection_error " + code + ", got " + error.dump());
  return error;
}

}  // namespace glasshub::test
