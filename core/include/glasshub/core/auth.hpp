// The phone's "core token": an HS256 JWT whose `email` claim is the user id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace glasshub::core {

struct TokenCheck {
  std::optional<std::string> user_id;  // set when the token is valid
  std::string error;                   // why not, for the connection_error body
};

// Accepts only HS256 with a valid signature, an `email` claim and (if present) an `exp` that is a
// number in the future. `alg: none` and every other algorithm are refused.
TokenCheck verify_core_token(std::string_view token, std::string_view secret);

// Mint a development token for `email`, valid `ttl_seconds` from now (0: no `exp`; negative:
// already expired, for tests).
std::string mint_core_token(std::string_view email, std::string_view secret,
                            int64_t ttl_seconds);

// Lowercase hex SHA-256, as the app registry stores API keys.
std::string sha256_hex(std::string_view data);

}  // namespace glasshub::core
