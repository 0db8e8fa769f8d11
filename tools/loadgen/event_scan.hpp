// Reading the fields of a delivered JSON event (worker.cpp): a fast path for the exact bytes the
// load generator writes, and a search that reads any server's layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace glasshub::loadgen {

struct EventFields {
  int64_t seq = 0;
  int64_t sent_at = 0;  // `t`
  int64_t measured = 0;  // `m`
};

// The fields right behind an event's `"seq":`, as the load generator writes them:
// `S,"t":T,"m":M` then `}` or `,`, digits only (no sign, no spaces); nullopt for anything else.
std::optional<EventFields> fields_after_seq(std::string_view rest);

// The integer after `key` (e.g. "\"seq\":") at or after `from`, which moves past it; spaces
// before the number are skipped.
std::optional<int64_t> int_field(std::string_view text, std::size_t& from, std::string_view key);

}  // namespace glasshub::loadgen
