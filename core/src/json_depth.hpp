// A guard before parsing untrusted JSON: nesting deeper than a limit is refused up front, so
// nothing later (dump, a plugin's own recursion) can exhaust the stack on it.
#pragma once

#include <cstddef>
#include <string_view>

namespace glasshub::core {

// True when `text` opens more than `limit` nested arrays/objects (brackets inside strings do not
// count). One pass, no allocation; malformed text is left to the parser.
bool json_nesting_exceeds(std::string_view text, std::size_t limit) noexcept;

}  // namespace glasshub::core
