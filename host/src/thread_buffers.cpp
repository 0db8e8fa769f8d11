#include "thread_buffers.hpp"

#include <vector>

namespace glasshub::host {

namespace {

constexpr std::size_t pool_bytes_max = 256 * 1024;
constexpr std::size_t pooled_capacity_max = 64 * 1024;
constexpr std::size_t pooled_count_max = 256;

struct buffer_pool {
  std::vector<std::unique_ptr<send_buffers>> free;
  std::size_t bytes = 0;  // capacity held by `free`
};

buffer_pool& thread_pool() {
  thread_local buffer_pool pool;
  return pool;
}

std::size_t capacity(const send_buffers& b) { return b.fill.capacity() + b.wire.capacity(); }

}  // namespace

char* thread_read_buffer() {
  thread_local std::vector<char> buffer(read_chunk);
  return buffer.data();
}

header_room& thread_header_room() {
  thread_local header_room room;
  return room;
}

std::unique_ptr<send_buffers> take_send_buffers() {
  auto& pool = thread_pool();
  if (pool.free.empty()) return std::make_unique<send_buffers>();
  std::unique_ptr<send_buffers> b = std::move(pool.free.back());
  pool.free.pop_back();
  pool.bytes -= capacity(*b);
  return b;
}

void give_back(std::unique_ptr<send_buffers>& buffers) {
  std::unique_ptr<send_buffers> b = std::move(buffers);
  if (!b) return;
  auto& pool = thread_pool();
  const std::size_t held = capacity(*b);
  if (b->fill.capacity() > pooled_capacity_max || b->wire.capacity() > pooled_capacity_max ||
      pool.bytes + held > pool_bytes_max || pool.free.size() >= pooled_count_max)
    return;  // freed
  b->fill.clear();
  b->wire.clear();
  b->wire_sent = 0;
  pool.bytes += held;
  pool.free.push_back(std::move(b));
}

}  // namespace glasshub::host
