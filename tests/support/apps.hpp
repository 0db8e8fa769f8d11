// The app side of a test: a registered app, the phone allowing it (tests/plugins/
// test_app_starter), the app server's socket on /app-ws, its subscriptions, and the sync points
// that make "nothing arrived" a fact rather than a wait.
#pragma once

#include "support/test_host.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace glasshub::test {

inline constexpr const char* kAppPackage = "com.example.app";
inline constexpr const char* kAppKey = "secret-key";

// One entry of the config's `apps` (plaintext apiKey, MICROPHONE, a URL nobody serves).
nlohmann::json app_registry_entry(const std::string& package = kAppPackage,
                                  const std::string& api_key = kAppKey);

// keepalive + device + test_app_starter, kAppPackage registered, then `config` merge-patched on top.
HostSetup app_host_setup(const nlohmann::json& config = nlohmann::json::object());

// The phone allows `package` through test_app_starter; returns the session id the app must
// present. Throws unless the host answered test_app_allowed.
std::string allow_app(WsClient& phone, const std::string& package = kAppPackage);

// {"type":"tpa_connection_init","sessionId":..,"packageName":..,"apiKey":..}
nlohmann::json app_init(const std::string& session_id, const std::string& package = kAppPackage,
                        const std::string& api_key = kAppKey);

// /app-ws opened with no auth headers (as SDK 2.1.29), nothing sent yet.
WsClient open_app_socket(uint16_t port);

// An app socket that sent its init and got tpa_connection_ack and the device snapshot.
// Throws (with what arrived instead) otherwise.
WsClient connect_app(uint16_t port, const std::string& session_id,
                     const std::string& package = kAppPackage,
                     const std::string& api_key = kAppKey);

// connect_app, then read everything the host sent it so far (ack, device snapshot, ...).
WsClient ready_app(const TestHost& host, const std::string& session_id,
                   const std::string& package = kAppPackage, const std::string& api_key = kAppKey);

// One user's phone and one app (kAppPackage) past its init, on an app_host_setup() host.
struct PhoneAndApp {
  TestHost host{app_host_setup()};
  WsClient phone = host.connect_phone("alice@example.com");
  std::string sid = allow_app(phone);
  WsClient app = ready_app(host, sid);
};

// The messages of `type` among `messages`, in order.
std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& messages,
                                    const std::string& type);

// An ISO-8601 UTC timestamp with milliseconds, as the wire carries them.
bool is_iso_ms(const nlohmann::json& v);

// Sends a subscription_update (full replace) and waits until the host has applied it.
void subscribe(WsClient& app, const std::string& session_id,
               const std::vector<std::string>& streams, const std::string& package = kAppPackage);

// A subscription_update frame (the text the SDK sends).
std::string subscription_update(const std::string& session_id,
                                const std::vector<std::string>& streams,
                                const std::string& package = kAppPackage);

// The app's sync probe: a type no plugin handles, answered UNSUPPORTED_MESSAGE_TYPE.
std::string sync_probe();

// Every message the host sent `app` before answering a sync probe: once it returns, the host has
// handled everything the app sent earlier, and everything queued for the app has arrived.
std::vector<nlohmann::json> sync_app(WsClient& app);
// The same for a probe the app already sent (e.g. at the end of a send_raw burst).
std::vector<nlohmann::json> await_sync_answer(WsClient& app);

// The host has handled everything the phone sent earlier (a ping, answered pong by keepalive).
// Returns what else arrived meanwhile.
std::vector<nlohmann::json> sync_phone(WsClient& phone);

// A tpa_connection_error with `code` arrives (other messages are skipped); returns it.
nlohmann::json expect_app_error(WsClient& app, const std::string& code);

}  // namespace glasshub::test
