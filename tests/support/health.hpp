// Waiting on /health for counts the host updates after the client has seen the outcome.
#pragma once

#include "support/test_host.hpp"

#include <nlohmann/json.hpp>

namespace glasshub::test {

// /health's `connections` once it counts `phones` phone and `apps` app sockets (the host counts a
// close after the client has seen it), or as it is when 3 s have passed.
nlohmann::json await_connections(const TestHost& host, int phones, int apps);

}  // namespace glasshub::test
