// Plugin HTTP routes through the host's listener, and the outbound calls the host makes for
// plugins (DESIGN.md decision 2: the host owns every byte of I/O). The routes come from
// tests/plugins/test_http_routes; outbound calls go to an HttpServer run inside the test.
#include "support/http_connection.hpp"
#include "support/http_server.hpp"
#include "support/jwt.hpp"
#include "support/test_host.hpp"
#include "support/tls_identity.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace glasshub::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kUser = "routes.user@example.com";
constexpr int kReplyTimeoutMs = 1500;

HostSetup routes_setup() {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_http_routes")});
  setup.config = {{"server", {{"httpReplyTimeoutMs", kReplyTimeoutMs}}}};
  return setup;
}

// An environment variable for the hosts started while it lives (they inherit the test's).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// POST /test/call for `user` with {"url": url, "timeoutMs": timeout_ms}; the route's JSON.
nlohmann::json call_through_host(const TestHost& host, const std::string& url,
                                 int timeout_ms = 0) {
  nlohmann::json body = {{"url", url}};
  if (timeout_ms > 0) body["timeoutMs"] = timeout_ms;
  const auto res = http_post(host.port(), "/test/call", body.dump(),
                             {bearer(host.token_for(kUser))}, 15s);
  INFO(res.body);
  REQUIRE(res.status == 200);
  return res.json();
}

}  // namespace

TEST_CASE("A plugin route gets its decoded parameter, the query and the method", "[http]") {
  TestHost host(routes_setup());

  const auto res = host.get("/test/echo/hello%20world%2Fx?x=1&y=a%20b");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.headers.at("content-type") == "application/json");
  CHECK(res.headers.at("access-control-allow-origin") == "*");
  const auto json = res.json();
  CHECK(json["name"] == "hello world/x");
  CHECK(json["query"] == "x=1&y=a%20b");
  CHECK(json["method"] == "GET");
  CHECK(json["path"] == "/test/echo/hello%20world%2Fx");

  HttpConnection conn(host.port());
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
    const auto r = conn.request(method, "/test/echo/m", method == "DELETE" ? "" : "{}");
    INFO(method << ": " << r.body);
    CHECK(r.status == 200);
    CHECK(r.json()["method"] == method);
  }
  // Methods no plugin route can have: 405 with the methods that could be served.
  const auto head = conn.request("PROPFIND", "/test/echo/m");
  CHECK(head.status == 405);
  CHECK(head.headers.at("allow") == "GET, POST, PUT, DELETE, PATCH");
  CHECK(head.json().contains("error"));
}

TEST_CASE("A plugin's status and content type reach the client", "[http]") {
  TestHost host(routes_setup());
  const auto created = host.get("/test/status/201");
  CHECK(created.status == 201);
  CHECK(created.headers.at("content-type") == "text/plain");
  CHECK(created.body == "status body");

  // 204 carries no body even when the plugin wrote one.
  const auto empty = host.get("/test/status/204");
  CHECK(empty.status == 204);
  CHECK(empty.body.empty());

  // A status the host refuses to send: the route never answered, so the host says 500.
  CHECK(host.get("/test/status/42").status == 500);
}

TEST_CASE("Paths nobody serves answer 404 JSON; the host's own paths stay GET only", "[http]") {
  TestHost host(routes_setup());
  const auto missing = host.get("/no/such/route");
  CHECK(missing.status == 404);
  CHECK(missing.json()["error"] == "Not found");

  // /test/me exists for POST only.
  CHECK(host.get("/test/me", {bearer(host.token_for(kUser))}).status == 404);

  const auto post_health = http_post(host.port(), "/health", "{}");
  CHECK(post_health.status == 405);
  CHECK(post_health.headers.at("allow") == "GET");
  CHECK(host.get("/health").status == 200);
}

TEST_CASE("A user route refuses a missing or bad token with 401 JSON", "[http]") {
  TestHost host(routes_setup());

  const auto none = http_post(host.port(), "/test/me", "{}");
  CHECK(none.status == 401);
  CHECK(none.json().contains("error"));

  const auto garbage = http_post(host.port(), "/test/me", "{}", {bearer("not-a-jwt")});
  CHECK(garbage.status == 401);
  CHECK(garbage.json().contains("error"));

  const auto expired =
      http_post(host.port(), "/test/me", "{}", {bearer(host.token_for(kUser, -60))});
  CHECK(expired.status == 401);

  const auto wrong_key = http_post(
      host.port(), "/test/me", "{}",
      {bearer(sign_hs256({{"email", kUser}, {"sub", kUser}}, "some-other-secret"))});
  CHECK(wrong_key.status == 401);
}

TEST_CASE("A user route sees the token's user, and its session once the phone is connected",
          "[http]") {
  TestHost host(routes_setup());
  const auto token = host.token_for(kUser);

  const auto before = http_post(host.port(), "/test/me", "{}", {bearer(token)});
  INFO(before.body);
  REQUIRE(before.status == 200);
  CHECK(before.json()["userId"] == kUser);
  CHECK(before.json()["hasSession"] == false);

  auto phone = host.connect_phone(kUser);
  const auto after = http_post(host.port(), "/test/me", "{}", {bearer(token)});
  REQUIRE(after.status == 200);
  CHECK(after.json()["userId"] == kUser);
  CHECK(after.json()["hasSession"] == true);
}

TEST_CASE("A route answered later keeps its connection alive for the next request", "[http]") {
  TestHost host(routes_setup());
  auto phone = host.connect_phone(kUser);
  const Headers auth = {bearer(host.token_for(kUser))};

  HttpConnection conn(host.port());
  for (int round = 0; round < 2; ++round) {
    const auto start = Clock::now();
    const auto later = conn.request("POST", "/test/later", "{}", auth);
    INFO(later.body);
    REQUIRE(later.status == 200);
    CHECK(later.json()["later"] == true);
    CHECK(ms_since(start) >= 190);  // the plugin's 200 ms timer, not an early answer
    CHECK(later.headers.at("access-control-allow-origin") == "*");

    const auto echo = conn.request("GET", "/test/echo/next");
    REQUIRE(echo.status == 200);
    CHECK(echo.json()["name"] == "next");
  }
}

TEST_CASE("A route that never answers gets 504 after server.httpReplyTimeoutMs", "[http]") {
  TestHost host(routes_setup());
  HttpConnection conn(host.port(), 10s);
  const auto start = Clock::now();
  const auto res = conn.request("GET", "/test/never");
  const auto elapsed = ms_since(start);
  CHECK(res.status == 504);
  CHECK(res.headers.at("content-type") == "application/json");
  CHECK(res.json().is_object());
  CHECK(elapsed >= kReplyTimeoutMs - 100);
  CHECK(elapsed < kReplyTimeoutMs + 3000);
  // The connection survives the wait (no socket deadline fired) and serves the next request.
  CHECK(conn.request("GET", "/test/echo/after").status == 200);
}

TEST_CASE("A client that leaves before its answer does no harm", "[http]") {
  TestHost host(routes_setup());
  auto phone = host.connect_phone(kUser);
  const Headers auth = {bearer(host.token_for(kUser))};
  {
    HttpConnection later(host.port());
    later.send_only("POST", "/test/later", "{}", auth);
    HttpConnection never(host.port());
    never.send_only("GET", "/test/never");
    std::this_thread::sleep_for(50ms);
    later.close();
    never.close();
  }
  // Past both answers: the late replies were dropped, the host still serves.
  std::this_thread::sleep_for(std::chrono::milliseconds(kReplyTimeoutMs + 300));
  CHECK(host.get("/health").status == 200);
  CHECK(host.get("/test/echo/still").json()["name"] == "still");
  CHECK(phone.is_open());
}

TEST_CASE("An outbound call posts to the URL and hands back status and body", "[http][outbound]") {
  HttpServer server({201, "application/json", R"({"ok":true})"});
  TestHost host(routes_setup());
  auto phone = host.connect_phone(kUser);

  const auto got = call_through_host(host, server.url("/hook/path?a=1&b=%20"));
  CHECK(got["status"] == 201);
  CHECK(got["body"] == R"({"ok":true})");
  CHECK(got["error"] == "");

  REQUIRE(server.wait_for_requests(1, 2s));
  const auto seen = server.requests().at(0);
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/hook/path?a=1&b=%20");
  CHECK(seen.body == R"({"hello":1})");
  CHECK(seen.headers.at("content-type") == "application/json");
  CHECK(seen.headers.at("content-length") == "11");
  CHECK(seen.headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK_THAT(seen.headers.at("user-agent"), StartsWith("glasshub/"));
  CHECK(seen.headers.at("connection") == "close");
  // The plugin's extra header goes out; its malformed line and its Host override do not.
  CHECK(seen.headers.at("x-glasshub-test") == "yes");
  CHECK(seen.headers.count("bad line") == 0);
}

TEST_CASE("An outbound call that gets no response reports why with status 0",
          "[http][outbound]") {
  TestHost host(routes_setup());
  auto phone = host.connect_phone(kUser);

  SECTION("nobody listens") {
    const auto got =
        call_through_host(host, "http://127.0.0.1:" + std::to_string(closed_port()) + "/x");
    CHECK(got["status"] == 0);
    CHECK_THAT(got["error"].get<std::string>(), StartsWith("connection refused"));
  }
  SECTION("the server never answers: timeout within the call's deadline") {
    auto server = HttpServer::silent();
    const auto start = Clock::now();
    const auto got = call_through_host(host, server->url("/slow"), 500);
    const auto elapsed = ms_since(start);
    CHECK(got["status"] == 0);
    CHECK(got["error"] == "timeout");
    CHECK(elapsed >= 450);
    CHECK(elapsed < 3000);
    CHECK(server->requests().size() == 1);  // it did arrive; only the answer is missing
  }
  SECTION("https to a server that speaks plain HTTP fails the TLS handshake") {
    HttpServer server({200, "application/json", "{}"});
    const auto got = call_through_host(
        host, "https://127.0.0.1:" + std::to_string(server.port()) + "/x", 3000);
    CHECK(got["status"] == 0);
    CHECK_THAT(got["error"].get<std::string>(), StartsWith("tls handshake failed"));
  }
  SECTION("a response body over server.outboundHttpMaxBodyBytes (1 MiB)") {
    HttpServer server({200, "text/plain", std::string(1024 * 1024 + 1, 'x')});
    const auto got = call_through_host(host, server.url("/big"));
    CHECK(got["status"] == 0);
    CHECK(got["error"] == "response body over 1048576 bytes");
  }
  SECTION("a host name that does not resolve") {
    const auto got = call_through_host(host, "http://no-such-host.invalid/x", 3000);
    CHECK(got["status"] == 0);
    CHECK_THAT(got["error"].get<std::string>(),
               StartsWith("resolve failed") || Contains("timeout"));
  }
}

TEST_CASE("An https call checks the certificate chain and the name, and sends SNI",
          "[http][outbound][tls]") {
  const auto trusted = self_signed_identity("localhost");
  const auto stranger = self_signed_identity("localhost");
  TempDir dir;
  // OpenSSL's default verify paths honour SSL_CERT_FILE: the host trusts `trusted` only.
  ScopedEnv ca_file("SSL_CERT_FILE", dir.write("trusted.pem", trusted.cert_pem).string());
  HttpServer good({200, "application/json", R"({"secure":true})"}, trusted);
  HttpServer impostor({200, "application/json", "{}"}, stranger);
  TestHost host(routes_setup());
  auto phone = host.connect_phone(kUser);
  const std::string good_port = std::to_string(good.port());

  SECTION("a trusted certificate for the URL's name") {
    const auto got = call_through_host(host, "https://localhost:" + good_port + "/secure", 5000);
    CHECK(got["error"] == "");
    CHECK(got["status"] == 200);
    CHECK(got["body"] == R"({"secure":true})");
    REQUIRE(good.wait_for_requests(1, 2s));
    const auto seen = good.requests().at(0);
    CHECK(seen.server_name == "localhost");
    CHECK(seen.headers.at("host") == "localhost:" + good_port);
    CHECK(seen.body == R"({"hello":1})");
  }
  SECTION("a trusted certificate that does not name the URL's host") {
    const auto got = call_through_host(host, "https://127.0.0.1:" + good_port + "/secure", 5000);
    CHECK(got["status"] == 0);
    CHECK_THAT(got["error"].get<std::string>(), StartsWith("tls handshake failed"));
    CHECK(good.requests().empty());
  }
  SECTION("a certificate nobody vouches for") {
    const auto got = call_through_host(
        host, "https://localhost:" + std::to_string(impostor.port()) + "/secure", 5000);
    CHECK(got["status"] == 0);
    CHECK_THAT(got["error"].get<std::string>(), StartsWith("tls handshake failed"));
    CHECK(impostor.requests().empty());
  }
}

TEST_CASE("CORS headers follow server.corsOrigins, preflights included, on every route",
          "[http][cors]") {
  HostSetup setup;
  setup.manifest = manifest_of({keepalive_entry(), test_plugin_entry("test_http_routes")});
  setup.config = {{"server", {{"corsOrigins", {"https://ok.example"}}}}};
  TestHost host(setup);
  const Headers ok = {{"Origin", "https://ok.example"}};
  const Headers bad = {{"Origin", "https://evil.example"}};
  auto preflight = [](const Headers& origin) {
    Headers h = origin;
    h.emplace_back("Access-Control-Request-Method", "POST");
    h.emplace_back("Access-Control-Request-Headers", "Authorization, Content-Type");
    return h;
  };

  for (const std::string path : {"/health", "/test/echo/x"}) {
    INFO(path);
    auto allowed = http_send(host.port(), "OPTIONS", path, std::nullopt, preflight(ok));
    CHECK(allowed.status == 204);
    CHECK(allowed.headers["access-control-allow-origin"] == "https://ok.example");
    CHECK_THAT(allowed.headers["access-control-allow-methods"], Contains("POST"));
    CHECK(allowed.headers["access-control-allow-headers"] == "Authorization, Content-Type");
    CHECK(allowed.headers["access-control-max-age"] == "86400");
    CHECK(allowed.headers["vary"] == "Origin");

    const auto refused = http_send(host.port(), "OPTIONS", path, std::nullopt, preflight(bad));
    CHECK(refused.status == 204);
    for (const auto& [name, value] : refused.headers) {
      INFO(name << ": " << value);
      CHECK(name.rfind("access-control-", 0) == std::string::npos);
    }
  }
  auto get_ok = http_get(host.port(), "/test/echo/x", ok);
  CHECK(get_ok.headers["access-control-allow-origin"] == "https://ok.example");
  CHECK(http_get(host.port(), "/test/echo/x", bad).headers.count("access-control-allow-origin") ==
        0);
  CHECK(host.get("/health", ok).headers.at("access-control-allow-origin") == "https://ok.example");
  CHECK(host.get("/health", bad).headers.count("access-control-allow-origin") == 0);

  SECTION("\"*\" allows every origin") {
    HostSetup any = setup;
    any.config = {{"server", {{"corsOrigins", {"*"}}}}};
    TestHost open(any);
    auto res = http_send(open.port(), "OPTIONS", "/health", std::nullopt, preflight(bad));
    CHECK(res.headers["access-control-allow-origin"] == "*");
    CHECK(open.get("/health", bad).headers.at("access-control-allow-origin") == "*");
  }
}

TEST_CASE("server.outboundHttpTimeoutMs and outboundHttpMaxBodyBytes bound the calls that give "
          "no limit of their own, and a reload changes them", "[http][outbound][reload]") {
  HostSetup setup = routes_setup();
  setup.config["server"]["outboundHttpTimeoutMs"] = 400;
  setup.config["server"]["outboundHttpMaxBodyBytes"] = 2048;
  TestHost host(setup);
  auto phone = host.connect_phone(kUser);
  HttpServer big({200, "text/plain", std::string(3000, 'x')});
  auto silent = HttpServer::silent();

  auto timed_call = [&](const std::string& url) {
    const auto start = Clock::now();
    auto got = call_through_host(host, url);  // no timeoutMs: the host's default applies
    got["elapsedMs"] = ms_since(start);
    return got;
  };
  auto got = timed_call(silent->url("/slow"));
  CHECK(got["error"] == "timeout");
  CHECK(got["elapsedMs"] >= 350);
  CHECK(got["elapsedMs"] < 2000);
  got = timed_call(big.url("/big"));
  CHECK(got["status"] == 0);
  CHECK(got["error"] == "response body over 2048 bytes");

  const auto changes = host.reconfigure(
      {{"server", {{"outboundHttpTimeoutMs", 1500}, {"outboundHttpMaxBodyBytes", 4096}}}});
  CHECK(changes["changes"] == nlohmann::json::parse(R"([{"config":"server.outboundHttpMaxBodyBytes"},
                                                       {"config":"server.outboundHttpTimeoutMs"}])"));
  got = timed_call(silent->url("/slow"));
  CHECK(got["error"] == "timeout");
  CHECK(got["elapsedMs"] >= 1400);
  got = timed_call(big.url("/big"));
  CHECK(got["status"] == 200);
  CHECK(got["body"] == std::string(3000, 'x'));
  CHECK(phone.is_open());
}
