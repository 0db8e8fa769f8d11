#include "write_cork.hpp"

#include "ws_connection.hpp"

#include <vector>

namespace glasshub::host {

namespace {
thread_local bool cork_open = false;
// Keeps its capacity: holding a flush allocates nothing once a thread has seen its busiest burst.
thread_local std::vector<std::shared_ptr<ws_connection>> held;
}  // namespace

write_cork::write_cork() noexcept : outermost_(!cork_open) { cork_open = true; }

write_cork::~write_cork() {
  if (!outermost_) return;
  cork_open = false;  // what the flushes below send is posted as usual
  for (auto& conn : held) conn->flush();
  held.clear();
}

bool write_cork::hold(const std::shared_ptr<ws_connection>& conn) {
  if (!cork_open) return false;
  held.push_back(conn);
  return true;
}

}  // namespace glasshub::host
