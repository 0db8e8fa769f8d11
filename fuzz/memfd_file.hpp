// An in-memory file whose path the parsers can open like any other (/proc/self/fd/<n>), so a
// fuzz input goes through the same file reading as a real config or manifest, without a disk.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace glasshub::fuzz {

class MemfdFile {
 public:
  explicit MemfdFile(const char* name) : fd_(memfd_create(name, 0)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemfdFile() { close(fd_); }
  MemfdFile(const MemfdFile&) = delete;
  MemfdFile& operator=(const MemfdFile&) = delete;

  // Replace the whole content.
  void write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) {
      std::perror("memfd write");
      std::abort();
    }
  }
  const std::string& path() const noexcept { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace glasshub::fuzz
