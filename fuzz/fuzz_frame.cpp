// fuzz_frame: the whole frame path (parse, route, every first-party handler) of a real Hub with
// every plugin of plugins/ loaded, driven through in-memory connections.
//
// Each input is a script, one action per line; the first byte names the action, the rest of the
// line is its payload (docs/fuzzing.md):
//   g<text> G<bytes>        the phone sends a text / binary frame
//   a<text> A<bytes>        app com.fuzz.app (standard, every permission) sends text / binary
//   b<text> B<bytes>        app com.fuzz.background (background, MICROPHONE)
//   d<text> D<bytes>        app com.fuzz.dashboard (system dashboard), once it has connected
//   i<text>                 a new app socket sends <text> as its first frame
//   R<METHOD> <target> <body>   REST call with the user's token (r: without one)
//   W<status> <body>        the oldest outbound call (webhook) gets this answer; a 2xx answer to
//                           a session_request makes that app connect with the session id
//   c<slot> C<slot>         app socket <slot> (a, b, d) drops and reconnects at once / after its
//                           grace has run out
//   p P                     the phone drops and reconnects at once / after its session ended
//   t<ms>                   let time pass (timers fire); at most 40 ms per input
// Every iteration builds a fresh Hub on a fresh io_context (plugins stay mapped, see below), so
// an input does not depend on the inputs before it; timers of a few ms still fire or not with the
// machine's speed.
#include "fake_peers.hpp"
#include "ws_frame.hpp"

#include <glasshub/core/auth.hpp>
#include <glasshub/core/config.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/core/logging.hpp>
#include <glasshub/core/manifest.hpp>
#include <glasshub/core/plugin_loader.hpp>
#include <glasshub/core/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// settle() takes "poll() ran nothing" for "nothing is due": true only where the reactor checks the
// timer queue on every run (CMakeLists.txt, GLASSHUB_FUZZ).
#if defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_TIMERFD) || defined(BOOST_ASIO_HAS_IO_URING)
#error "fuzz_frame needs Asio's select reactor: build with BOOST_ASIO_DISABLE_EPOLL"
#endif

namespace {

namespace core = glasshub::core;
using glasshub::fuzz::FakeConnection;
using glasshub::fuzz::FakeHttpClient;
using glasshub::fuzz::finding;
using nlohmann::json;

constexpr const char* kUser = "fuzz@example.com";
constexpr const char* kSecret = "fuzz-jwt-secret";
constexpr const char* kApiKey = "fuzz-api-key";
constexpr std::size_t kMaxHandlersPerStep = 100000;  // more means the host never settles
constexpr int kMaxWaitMsPerInput = 40;

// The apps of the registry (kConfig), by the letter that sends their frames.
struct AppSpec {
  char letter;
  const char* package;
  const char* public_url;
};
constexpr std::array<AppSpec, 3> kApps{{{'a', "com.fuzz.app", "http://app.invalid"},
                                        {'b', "com.fuzz.background", "http://background.invalid"},
                                        {'d', "com.fuzz.dashboard", "http://dashboard.invalid"}}};

// Short timings, so that a few milliseconds of `t` reach every timer of the plugins.
const char* kConfig = R"({
  "auth": {"jwtSecret": "fuzz-jwt-secret"},
  "storage": {"sqlitePath": ":memory:"},
  "session": {"gracePeriodMs": 0},
  "app": {"gracePeriodMs": 0, "subscriptionGraceMs": 5, "sessionTimeoutMs": 100},
  "apps": [
    {"packageName": "com.fuzz.app", "apiKey": "fuzz-api-key", "publicUrl": "http://app.invalid",
     "permissions": ["ALL"]},
    {"packageName": "com.fuzz.background", "apiKey": "fuzz-api-key",
     "publicUrl": "http://background.invalid", "appType": "background",
     "permissions": ["MICROPHONE"]},
    {"packageName": "com.fuzz.dashboard", "apiKey": "fuzz-api-key",
     "publicUrl": "http://dashboard.invalid", "appType": "system_dashboard"}
  ]})";
const char* kPluginConfig = R"({
  "display": {"throttleMs": 2, "bootScreenMs": 4, "lockTimeoutMs": 10, "lockInactivityMs": 3,
              "restoreValidityMs": 8, "systemDashboardPackage": "com.fuzz.dashboard"},
  "audio": {"micDebounceMs": 1, "micOffHoldMs": 4, "micCoalesceMs": 2, "micKeepAliveMs": 8,
            "micReconnectResendMs": 1, "unauthorizedAudioMs": 4}})";

// What every iteration starts from: parsed once.
struct Setup {
  core::Config config;
  core::Manifest manifest;
  std::string token;
};

// The build tree's manifest with every plugin enabled (legacy_settings too). Each library is
// opened once more here and never closed: libFuzzer keeps pointers to the coverage counters of
// every module it saw, so a plugin must stay mapped when a Hub unloads it.
const Setup& setup() {
  static const Setup s = [] {
    Setup out;
    out.config = core::parse_config(json::parse(kConfig));
    out.manifest = core::load_manifest(core::default_manifest_path());
    const json plugin_config = json::parse(kPluginConfig);
    for (auto& e : out.manifest.plugins) {
      e.enabled = true;
      if (auto it = plugin_config.find(e.name); it != plugin_config.end())
        e.config_json = it->dump();
      if (!dlopen(e.library.c_str(), RTLD_NOW | RTLD_LOCAL))
        finding("cannot open a plugin", dlerror());
    }
    out.token = core::mint_core_token(kUser, kSecret, 0);
    const char* level = std::getenv("GLASSHUB_FUZZ_LOG");  // e.g. debug, to replay one input
    core::init_logging(level ? level : "off", "text");
    return out;
  }();
  return s;
}

std::optional<gh_http_method> http_method(std::string_view m) {
  if (m == "GET") return GH_HTTP_GET;
  if (m == "POST") return GH_HTTP_POST;
  if (m == "PUT") return GH_HTTP_PUT;
  if (m == "DELETE") return GH_HTTP_DELETE;
  if (m == "PATCH") return GH_HTTP_PATCH;
  return std::nullopt;
}

// Splits "head rest" at the first space (rest empty when there is none).
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  const auto sp = s.find(' ');
  if (sp == std::string_view::npos) return {s, {}};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

// One user's phone and apps around a fresh Hub, for one input.
class World {
 public:
  World()
      : hub_(setup().config,
             core::load_plugins(setup().manifest,
                                core::LoadOptions{":memory:",
                                                  core::plugin_host_settings(setup().config)}),
             ioc_) {
    hub_.set_http_client(http_);
    for (std::size_t i = 0; i < kApps.size(); ++i)
      session_ids_[i] = hub_.expect_app(kUser, kApps[i].package);
    connect_phone();
    connect_app(0);
    connect_app(1);
    settle();
  }

  ~World() {
    // Everything closes as sockets would; the session must then end and take everything along.
    close_phone(1000);
    for (AppSocket& a : sockets_) close_app(a, 1000);
    settle();
    http_->fail_all();
    settle();
    const json health = hub_.health_json(nullptr);
    const json& c = health["connections"];
    if (c["totalSessions"] != 0 || c["glassesConnections"] != 0 || c["appConnections"] != 0)
      finding("a session or connection outlived every socket", health.dump());
  }

  void run(std::string_view line) {
    const char action = line.front();
    const std::string_view payload = line.substr(1);
    switch (action) {
      case 'g': phone_frame(payload, false); break;
      case 'G': phone_frame(payload, true); break;
      case 'i': first_frame(payload); break;
      case 'R': rest(payload, true); break;
      case 'r': rest(payload, false); break;
      case 'W': answer_call(payload); break;
      case 'p': phone_drop(false); break;
      case 'P': phone_drop(true); break;
      case 'c': app_drop(payload, false); break;
      case 'C': app_drop(payload, true); break;
      case 't': wait(payload); break;
      default:
        for (const AppSpec& a : kApps) {
          if (action == a.letter) app_frame(slot_of(a.letter), payload, false);
          if (action == a.letter - 'a' + 'A') app_frame(slot_of(a.letter), payload, true);
        }
    }
    settle();
  }

 private:
  // An app socket whose init the hub accepted.
  struct AppSocket {
    std::shared_ptr<FakeConnection> conn;
    std::shared_ptr<core::UserSession> session;
    std::size_t slot;
    bool close_reported;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  static std::size_t slot_of(char letter) {
    for (std::size_t i = 0; i < kApps.size(); ++i)
      if (kApps[i].letter == letter) return i;
    return kApps.size();
  }
  static std::optional<std::size_t> slot_of_package(std::string_view package) {
    for (std::size_t i = 0; i < kApps.size(); ++i)
      if (package == kApps[i].package) return i;
    return std::nullopt;
  }

  std::shared_ptr<FakeConnection> new_connection() {
    return std::make_shared<FakeConnection>(++next_connection_id_);
  }

  // --- the phone ------------------------------------------------------------------------------
  void connect_phone() {
    const core::AuthResult auth = hub_.authenticate_glasses(setup().token);
    if (!auth.ok) finding("the fuzzer's own token was refused", auth.error);
    phone_ = new_connection();
    phone_closed_ = false;
    phone_session_ =
        hub_.glasses_connected(auth.user_id, phone_, hub_.glasses_strand(auth.user_id));
  }
  void close_phone(uint16_t code) {
    if (!phone_ || phone_closed_) return;
    phone_closed_ = true;
    phone_->close(code, {});
    hub_.glasses_closed(phone_session_, phone_, code);
  }
  void phone_frame(std::string_view payload, bool binary) {
    if (!phone_ || phone_closed_ || phone_->closing()) return;
    if (!text_reaches_core(*phone_, payload, binary)) return;
    hub_.glasses_frame(phone_session_, phone_, payload, binary);
  }

  // host/src/ws_connection.cpp closes a socket with 1007 on text that is not UTF-8, before the
  // core sees it.
  static bool text_reaches_core(FakeConnection& conn, std::string_view payload, bool binary) {
    if (binary || glasshub::host::ws::valid_utf8(payload)) return true;
    conn.close(glasshub::host::ws::close_code::bad_payload, "Invalid UTF-8");
    return false;
  }
  void phone_drop(bool until_session_ends) {
    close_phone(1006);
    if (until_session_ends) settle();
    connect_phone();
  }

  // --- apps -----------------------------------------------------------------------------------
  std::string init_frame(std::size_t slot) const {
    return json{{"type", "tpa_connection_init"},
                {"sessionId", session_ids_[slot]},
                {"packageName", kApps[slot].package},
                {"apiKey", kApiKey}}
        .dump();
  }
  void connect_app(std::size_t slot) { first_frame(init_frame(slot)); }

  // What host/src/app_endpoint.cpp does with the first frame of an app socket.
  void first_frame(std::string_view frame) {
    auto conn = new_connection();
    if (!text_reaches_core(*conn, frame, false)) return;
    auto result = hub_.app_init(conn, frame);
    if (auto* refused = std::get_if<core::AppRefused>(&result)) {
      conn->send(core::app_error_frame(refused->code, refused->message), GH_FRAME_TEXT,
                 GH_DELIVERY_RELIABLE);
      if (refused->close_code != 0) conn->close(refused->close_code, refused->close_reason);
      return;
    }
    auto& accepted = std::get<core::AppAccepted>(result);
    const auto slot = slot_of_package(accepted.package_name);
    if (!slot) finding("the hub accepted a package it was never told about", accepted.package_name);
    // An older socket of that app stays open until the hub closes it ("App session cleanup").
    current_[*slot] = sockets_.size();
    sockets_.push_back(AppSocket{conn, std::move(accepted.session), *slot, false});
  }

  AppSocket* current(std::size_t slot) {
    if (slot >= current_.size() || current_[slot] == kNone) return nullptr;
    return &sockets_[current_[slot]];
  }
  void app_frame(std::size_t slot, std::string_view payload, bool binary) {
    AppSocket* a = current(slot);
    if (!a || a->close_reported || a->conn->closing()) return;
    if (text_reaches_core(*a->conn, payload, binary))
      hub_.app_frame(a->session, kApps[slot].package, a->conn, std::string(payload), binary);
  }
  void report_app_closed(AppSocket& a, uint16_t code) {
    if (a.close_reported) return;
    a.close_reported = true;
    hub_.app_closed(a.session, kApps[a.slot].package, a.conn, code);
  }
  void close_app(AppSocket& a, uint16_t code) {
    a.conn->close(code, {});
    report_app_closed(a, code);
  }
  void app_drop(std::string_view payload, bool until_grace_ends) {
    const std::size_t slot = payload.empty() ? 0 : slot_of(payload.front());
    AppSocket* a = current(slot);
    if (!a) return;
    close_app(*a, 1006);
    if (until_grace_ends) settle();
    connect_app(slot);
  }

  // --- REST and outbound calls ----------------------------------------------------------------
  void rest(std::string_view payload, bool with_token) {
    const auto [method_name, rest_of_line] = split_word(payload);
    const auto method = http_method(method_name);
    if (!method) return;
    const auto [target, body] = split_word(rest_of_line);
    core::HttpIn in;
    in.method = *method;
    const auto q = target.find('?');
    in.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) in.query = std::string(target.substr(q + 1));
    in.body = std::string(body);
    in.content_type = "application/json";
    if (with_token) in.authorization = "Bearer " + setup().token;
    auto replied = std::make_shared<bool>(false);
    hub_.serve_http(std::move(in), [replied](core::HttpOut out) {
      if (*replied) finding("a route answered twice", out.body);
      *replied = true;
      if (out.status < 100 || out.status > 599)
        finding("a route answered an invalid status", out.body);
      if (out.content_type == "application/json" &&
          json::parse(out.body, nullptr, false).is_discarded())
        finding("a route answered JSON that does not parse", out.body);
    });
  }

  void answer_call(std::string_view payload) {
    FakeHttpClient::Pending call;
    if (!http_->take_oldest(call)) return;
    const auto [status_text, body] = split_word(payload);
    unsigned status = 0;
    std::from_chars(status_text.data(), status_text.data() + status_text.size(), status);
    status = std::min(status, 599u);
    call.done(core::HttpCallResult{static_cast<uint16_t>(status), std::string(body),
                                   status ? std::string() : "fuzz: refused"});
    if (status < 200 || status > 299) return;
    // The app server behind the webhook connects, as SDK 2.1.29 does on a session_request.
    const json req = json::parse(call.call.body, nullptr, false);
    if (!req.is_object() || req.value("type", "") != "session_request") return;
    for (std::size_t slot = 0; slot < kApps.size(); ++slot) {
      if (call.call.url.rfind(kApps[slot].public_url, 0) != 0) continue;
      session_ids_[slot] = req.value("sessionId", "");
      connect_app(slot);
    }
  }

  // --- time -----------------------------------------------------------------------------------
  void wait(std::string_view payload) {
    int ms = 1;
    std::from_chars(payload.data(), payload.data() + payload.size(), ms);
    ms = std::clamp(ms, 1, kMaxWaitMsPerInput - waited_ms_);
    if (ms <= 0) return;
    waited_ms_ += ms;
    ioc_.restart();
    run_handlers([&] { return ioc_.run_for(std::chrono::milliseconds(ms)); });
  }

  // Runs every handler that is ready (timers that are due included) and tells the hub about
  // sockets it closed, as host/src/ws_connection.cpp would, until nothing is left to do.
  void settle() {
    std::size_t handlers = 0;
    for (;;) {
      ioc_.restart();
      std::size_t n;
      while ((n = run_handlers([this] { return ioc_.poll(); })) > 0) {
        handlers += n;
        if (handlers > kMaxHandlersPerStep) finding("the host never settles after one action");
      }
      if (!report_closes()) return;
    }
  }
  // An exception out of a handler would end the host's I/O thread: a finding, reported here
  // rather than as the teardown's complaint about what it left behind.
  template <class Run>
  static std::size_t run_handlers(Run run) {
    try {
      return run();
    } catch (const std::exception& e) {
      finding("an exception escaped a handler into the io_context", e.what());
    } catch (...) {
      finding("an exception escaped a handler into the io_context");
    }
  }
  bool report_closes() {
    bool any = false;
    if (phone_ && !phone_closed_ && phone_->closing()) {
      phone_closed_ = true;
      hub_.glasses_closed(phone_session_, phone_, phone_->close_code());
      any = true;
    }
    for (AppSocket& a : sockets_) {
      if (a.conn->closing() && !a.close_reported) {
        report_app_closed(a, a.conn->close_code());
        any = true;
      }
    }
    return any;
  }

  boost::asio::io_context ioc_{1};
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  core::Hub hub_;
  uint64_t next_connection_id_ = 0;
  std::shared_ptr<FakeConnection> phone_;
  std::shared_ptr<core::UserSession> phone_session_;
  bool phone_closed_ = true;
  std::array<std::string, kApps.size()> session_ids_;
  std::vector<AppSocket> sockets_;  // every accepted app socket of this input
  std::array<std::size_t, kApps.size()> current_{kNone, kNone, kNone};
  int waited_ms_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  World world;
  while (!input.empty()) {
    const auto nl = input.find('\n');
    const std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (!line.empty()) world.run(line);
  }
  return 0;
}
