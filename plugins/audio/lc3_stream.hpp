// One phone's LC3 stream (protocol.md §7.5): 16 kHz mono, 10 ms frames of a fixed size (20, 40
// or 60 bytes), sent as binary WebSocket frames that each carry a concatenation of whole LC3
// frames. Decodes to PCM s16le with Debian's liblc3. A chunk that ends inside a frame keeps the
// partial frame for the next chunk, so frames never straddle the boundary in the decoder.
//
// Allocation happens in configure() only: the decoder memory, the partial-frame buffer and the
// caller's PCM vector keep their capacity, so decoding a chunk allocates nothing once warm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::audio {

class Lc3Stream {
 public:
  static constexpr int kSampleRateHz = 16000;
  static constexpr int kFrameDurationUs = 10000;
  static constexpr int kSamplesPerFrame = kSampleRateHz / 100;  // 160 samples, 320 bytes of PCM

  Lc3Stream();
  ~Lc3Stream();
  Lc3Stream(const Lc3Stream&) = delete;
  Lc3Stream& operator=(const Lc3Stream&) = delete;

  // (Re)creates the decoder for frames of `frame_bytes` (20..400); drops any partial frame.
  // False when liblc3 refuses the parameters.
  bool configure(int frame_bytes);
  // Forgets the partial frame and restarts the decoder's history (e.g. a new phone socket).
  void reset();
  int frame_bytes() const noexcept { return frame_bytes_; }

  struct Result {
    size_t frames = 0;  // LC3 frames decoded (each appends kSamplesPerFrame samples)
    size_t errors = 0;  // frames liblc3 could not decode (concealed by its PLC)
  };
  // Decodes every whole frame of (partial frame carried over + `chunk`), appending samples to
  // `pcm` (not cleared here). Keeps the trailing partial frame for the next call.
  Result decode(std::string_view chunk, std::vector<int16_t>& pcm);

 private:
  struct Decoder;
  std::unique_ptr<Decoder> decoder_;
  int frame_bytes_ = 0;
  std::string partial_;  // < frame_bytes_ bytes of a frame cut by the chunk boundary
};

}  // namespace glasshub::audio
