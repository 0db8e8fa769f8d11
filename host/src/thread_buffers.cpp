#include "thread_buffers.hpp"

#include <vector>

namespace glasshub::host {

namespace {

constexpr std::size_t pool_bytes_max = 256 * 1024;
constexpr std::size_t pooled_capacity_max = 64 * 1024;

struct buffer_pool {
  std::vector<std::string> buffers;
  std::size_t bytes = 0;
};

buffer_pool& thread_pool() {
  thread_local buffer_pool pool;
  return pool;
}

}  // namespace

char* thread_read_buffer() {
  thread_local std::vector<char> buffer(read_chunk);
  return buffer.data();
}

void take_pooled(std::string& out) {
  auto& pool = thread_pool();
  if (pool.buffers.empty()) return;
  pool.bytes -= pool.buffers.back().capacity();
  out.swap(pool.buffers.back());
  pool.buffers.pop_back();
}

void give_back(std::string& buffer) {
  auto& pool = thread_pool();
  const std::size_t capacity = buffer.capacity();
  if (capacity <= pooled_capacity_max && pool.bytes + capacity <= pool_bytes_max) {
    buffer.clear();
    pool.bytes += capacity;
    pool.buffers.push_back(std::move(buffer));
  }
  std::string().swap(buffer);
}

}  // namespace glasshub::host
