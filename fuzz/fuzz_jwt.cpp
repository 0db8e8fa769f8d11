// fuzz_jwt: the phone's token check (Hub::authenticate_glasses over core/src/auth.cpp). The first
// byte picks what the rest is, so that signed tokens reach the claim checks behind the HMAC:
//   0: a whole token as the phone sends it
//   1: the claims (JSON) of a token the fuzzer signs with the hub's secret (HS256 header)
//   2: the header (JSON) of a token the fuzzer signs, with claims {"email":"fuzz@example.com"}
// Signing goes through tests/support/jwt.cpp, over the input's bytes as they are.
// A signed token must still be refused when its header is not HS256 or its `exp` has passed.
#include "finding.hpp"
#include "support/jwt.hpp"

#include <glasshub/core/config.hpp>
#include <glasshub/core/hub.hpp>
#include <glasshub/core/manifest.hpp>
#include <glasshub/core/plugin_loader.hpp>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace {

namespace core = glasshub::core;
using glasshub::fuzz::finding;
using glasshub::test::sign_hs256_text;
using nlohmann::json;

constexpr std::string_view kSecret = "fuzz-jwt-secret";

// A Hub with no plugins: all authenticate_glasses needs is the configuration.
const core::Hub& hub() {
  static boost::asio::io_context ioc;
  static const core::Hub h = [] {
    core::Config config;
    config.auth.jwt_secret = std::string(kSecret);
    config.storage.sqlite_path = ":memory:";
    return core::Hub(config, core::load_plugins(core::Manifest{}, {}), ioc);
  }();
  return h;
}

bool exp_has_passed(const json& claims) {
  if (!claims.is_object()) return false;
  auto it = claims.find("exp");
  return it != claims.end() && it->is_number() &&
         it->get<double>() <= static_cast<double>(std::time(nullptr));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
  constexpr std::string_view kClaims = R"({"email":"fuzz@example.com"})";
  std::string token;
  json header, claims;  // as this target reads them, for the checks after the verdict
  switch (data[0] % 3) {
    case 0:
      token = std::string(rest);
      break;
    case 1:
      token = sign_hs256_text(kHeader, rest, kSecret);
      header = json::parse(kHeader);
      claims = json::parse(rest, nullptr, false);
      break;
    default:
      token = sign_hs256_text(rest, kClaims, kSecret);
      header = json::parse(rest, nullptr, false);
      claims = json::parse(kClaims);
      break;
  }
  const core::AuthResult r = hub().authenticate_glasses(token);
  if (!r.ok) {
    if (r.error.empty()) finding("a token was refused without a reason", token);
    return 0;
  }
  if (r.user_id.empty()) finding("a token was accepted without a user id", token);
  if (data[0] % 3 != 0) {
    if (!header.is_object() || header.value("alg", json()) != "HS256")
      finding("a token whose header is not HS256 was accepted", token);
    if (exp_has_passed(claims)) finding("an expired token was accepted", token);
  }
  return 0;
}
