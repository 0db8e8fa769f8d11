// The relay's shortcut past the DOM: a phone message that no plugin handles is only checked and
// forwarded (its bytes are spliced into data_stream), so it is validated without building a tree.
#pragma once

#include <cstddef>
#include <string_view>

namespace glasshub::core {

// Both expect text the WebSocket layer has already checked as UTF-8.

// The type of a message that begins `{"type":"<name>"` with no escape in the name (what every
// client sends); empty otherwise, and the caller parses the whole message.
std::string_view peek_type(std::string_view frame) noexcept;

// True when `frame` is one well-formed JSON object, nested at most `max_depth` deep, whose
// top-level "type" (the last one, as the full parser would keep) is the string `type`. No DOM.
bool is_object_of_type(std::string_view frame, std::string_view type, std::size_t max_depth);

}  // namespace glasshub::core
