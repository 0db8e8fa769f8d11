// How a fuzz target reports a finding the sanitizers cannot see: print why and what, then abort
// (libFuzzer saves the input as crash-<sha1>).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace glasshub::fuzz {

[[noreturn]] inline void finding(std::string_view why, std::string_view what = {}) {
  std::fprintf(stderr, "fuzz finding: %.*s\n%.*s\n", static_cast<int>(why.size()), why.data(),
               static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace glasshub::fuzz
