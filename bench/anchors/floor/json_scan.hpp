// Just enough JSON for the floor relay: the raw token of a top-level member, a string token's
// text, JSON.stringify of a string. Nothing is validated beyond what a lookup walks over.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace floor_relay {

// The raw token of the first top-level member `key` of the object `text`, or nullopt.
std::optional<std::string_view> member(std::string_view text, std::string_view key);

// The text of a JSON string token (quotes included), unescaped; lone surrogates become U+FFFD.
std::optional<std::string> string_value(std::string_view token);

// string_value of member(text, key).
std::optional<std::string> string_member(std::string_view text, std::string_view key);

// The raw tokens of the elements of the array token `array` (empty if it is not an array).
std::vector<std::string_view> elements(std::string_view array);

// JSON.stringify of a string, appended to `out`.
void append_quoted(std::string& out, std::string_view s);

// 0 to 15, or -1 if `c` is not a hex digit.
int hex_digit(char c);

}  // namespace floor_relay
