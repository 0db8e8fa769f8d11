// Tokens the product would never mint (expired, unsigned), to prove the host refuses them.
// Valid tokens come from glasshub::core::mint_core_token.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace glasshub::test {

// header.payload.signature with HMAC-SHA256 over `header` and `claims`.
std::string sign_hs256(const nlohmann::json& claims, std::string_view secret,
                       const nlohmann::json& header = {{"alg", "HS256"}, {"typ", "JWT"}});
// The same over two texts taken as they are (they need not even be JSON).
std::string sign_hs256_text(std::string_view header, std::string_view claims,
                            std::string_view secret);

// An unsigned token: header {"alg":"none"}, empty signature.
std::string unsigned_token(const nlohmann::json& claims);

}  // namespace glasshub::test
