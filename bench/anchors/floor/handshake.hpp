// The floor relay's side of the upgrade: the phone's token, Sec-WebSocket-Accept, the request's
// query and headers (OpenSSL for HMAC-SHA256 and SHA-1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace floor_relay {

// userOfToken of relay.js: the `email` of an HS256 token signed with `secret` and not expired.
std::optional<std::string> user_of_token(std::string_view token, const std::string& secret);

// The Sec-WebSocket-Accept of a Sec-WebSocket-Key.
std::string accept_key(std::string_view key);

// URLSearchParams.get(name) on a query string: percent-decoded, '+' a space.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// The value of header `name` in a request head (ending in CRLF), trimmed; empty if absent.
std::string_view header(std::string_view head, std::string_view name);

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace floor_relay
