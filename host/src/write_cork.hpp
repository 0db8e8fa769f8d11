// Frames sent while a socket's read handler runs are written when that handler returns, by the
// thread that ran it: a burst costs one write per socket and no hop through the socket's strand.
#pragma once

#include <memory>

namespace glasshub::host {

class ws_connection;

class write_cork {
 public:
  write_cork() noexcept;  // the outermost scope on this thread holds flushes...
  ~write_cork();          // ...and writes them when it ends
  write_cork(const write_cork&) = delete;
  write_cork& operator=(const write_cork&) = delete;

  // Holds `conn`'s flush until the scope ends; false when no scope is open on this thread.
  static bool hold(const std::shared_ptr<ws_connection>& conn);

 private:
  bool outermost_;
};

}  // namespace glasshub::host
