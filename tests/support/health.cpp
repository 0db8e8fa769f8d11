#include "support/health.hpp"

#include <chrono>
#include <thread>

namespace glasshub::test {

nlohmann::json await_connections(const TestHost& host, int phones, int apps) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  for (;;) {
    auto c = host.health()["connections"];
    if ((c["glassesConnections"] == phones && c["appConnections"] == apps) ||
        std::chrono::steady_clock::now() >= deadline)
      return c;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace glasshub::test
