// Buffers each I/O thread shares among the sockets it serves, so an idle socket holds none.
// The send-buffer pool keeps at most 256 KiB per thread (buffers up to 64 KiB each).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace glasshub::host {

// The size of the read buffer below.
inline constexpr std::size_t read_chunk = 64 * 1024;

// One read buffer per I/O thread (read_chunk bytes), shared by every socket the thread serves.
char* thread_read_buffer();

// While a received message is handed to its handler on this thread: its payload, and how many
// bytes just before it (its own header, parsed already) a send of that same payload may
// overwrite with the header of the frame it sends, so the frame leaves in one contiguous write.
struct header_room {
  char* payload = nullptr;
  std::size_t size = 0;
};
header_room& thread_header_room();

// A socket's send side while it has bytes to write: `fill` collects frames, `wire` is being
// written (from `wire_sent` on). A drained socket gives them back and holds none while idle.
struct send_buffers {
  std::string fill;
  std::string wire;
  std::size_t wire_sent = 0;
  std::size_t queued() const noexcept { return fill.size() + (wire.size() - wire_sent); }
};

// Send buffers a drained socket gives back, reused by the next socket that starts a batch on this
// thread: a busy socket does not pay malloc/free per batch (audio frames are above malloc's
// small-size caches). Bounded in bytes per thread.
std::unique_ptr<send_buffers> take_send_buffers();
// `buffers` (null afterwards) go to the pool, emptied, or are freed.
void give_back(std::unique_ptr<send_buffers>& buffers);

}  // namespace glasshub::host
