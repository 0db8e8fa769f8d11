// The protocol's `timestamp`: ISO-8601 UTC with milliseconds, e.g. 2026-03-19T10:56:55.123Z.
#pragma once

#include <string>

namespace glasshub::host {

std::string iso_timestamp();

}  // namespace glasshub::host
