#include <glasshub/core/auth.hpp>

#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cstdlib>
#include <ctime>
#include <memory>

namespace glasshub::core {

namespace {
struct JwtFree {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
}  // namespace

TokenCheck verify_core_token(std::string_view token, std::string_view secret) {
  TokenCheck out;
  if (token.empty()) {
    out.error = "No core token provided";
    return out;
  }
  std::string tok(token);
  jwt_t* raw = nullptr;
  // libjwt verifies the signature when a key is given, and refuses alg "none" with a key.
  int rc = jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                      static_cast<int>(secret.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) {
    out.error = "Invalid core token: signature or format check failed";
    return out;
  }
  // libjwt matches the name without case ("Hs256"); RFC 7515 names are case-sensitive.
  const char* alg = jwt_get_header(jwt.get(), "alg");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || !alg || std::string_view(alg) != "HS256") {
    out.error = "Invalid core token: only HS256 is accepted";
    return out;
  }
  // `exp` is a NumericDate: any JSON number, fractions included (jwt_get_grant_int skips those).
  if (std::unique_ptr<char, decltype(&std::free)> exp(jwt_get_grants_json(jwt.get(), "exp"),
                                                      &std::free);
      exp) {
    const auto value = nlohmann::json::parse(exp.get(), nullptr, false);
    if (!value.is_number()) {
      out.error = "Invalid core token: exp must be a number";
      return out;
    }
    if (value.get<double>() <= static_cast<double>(std::time(nullptr))) {
      out.error = "Invalid core token: expired";
      return out;
    }
  }
  const char* email = jwt_get_grant(jwt.get(), "email");
  if (!email || !*email) {
    out.error = "Invalid core token: no email claim";
    return out;
  }
  out.user_id = email;
  return out;
}

std::string mint_core_token(std::string_view email, std::string_view secret,
                            int64_t ttl_seconds) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPtr jwt(raw);
  std::string e(email);
  jwt_add_grant(jwt.get(), "email", e.c_str());
  jwt_add_grant(jwt.get(), "sub", e.c_str());
  long now = static_cast<long>(std::time(nullptr));
  jwt_add_grant_int(jwt.get(), "iat", now);
  if (ttl_seconds != 0) jwt_add_grant_int(jwt.get(), "exp", now + static_cast<long>(ttl_seconds));
  jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* s = jwt_encode_str(jwt.get());
  if (!s) return {};
  std::string out(s);
  std::free(s);
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0xf];
  }
  return out;
}

}  // namespace glasshub::core
