// Buffers each I/O thread shares among the sockets it serves, so an idle socket holds none.
// The send-buffer pool keeps at most 256 KiB per thread (buffers up to 64 KiB).
#pragma once

#include <cstddef>
#include <string>

namespace glasshub::host {

// The size of the read buffer below.
inline constexpr std::size_t read_chunk = 64 * 1024;

// One read buffer per I/O thread (read_chunk bytes), shared by every socket the thread serves.
char* thread_read_buffer();

// Send buffers a drained socket gives back, reused by the next socket that starts a batch on this
// thread: a busy socket does not pay malloc/free per batch (audio frames are above malloc's
// small-size caches). Bounded in bytes per thread.
// `out` (empty) gets a pooled buffer's capacity when one is there.
void take_pooled(std::string& out);
// `buffer` goes to the pool (or is freed) and is left empty with no capacity.
void give_back(std::string& buffer);

}  // namespace glasshub::host
