#include "lc3_stream.hpp"

#include <lc3.h>

#include <algorithm>
#include <cstddef>

namespace glasshub::audio {

// The decoder's memory as liblc3 sizes it for 10 ms at 16 kHz, suitably aligned.
struct Lc3Stream::Decoder {
  Decoder()
      : mem((lc3_decoder_size(kFrameDurationUs, kSampleRateHz) + sizeof(std::max_align_t) - 1) /
            sizeof(std::max_align_t)) {}
  std::vector<std::max_align_t> mem;
  lc3_decoder_t handle = nullptr;
};

Lc3Stream::Lc3Stream() = default;
Lc3Stream::~Lc3Stream() = default;

bool Lc3Stream::configure(int frame_bytes) {
  partial_.clear();
  if (frame_bytes < LC3_MIN_FRAME_BYTES || frame_bytes > LC3_MAX_FRAME_BYTES) return false;
  if (!decoder_) decoder_ = std::make_unique<Decoder>();
  decoder_->handle = lc3_setup_decoder(kFrameDurationUs, kSampleRateHz, 0, decoder_->mem.data());
  if (!decoder_->handle) return false;
  frame_bytes_ = frame_bytes;
  partial_.reserve(static_cast<size_t>(frame_bytes));
  return true;
}

void Lc3Stream::reset() {
  partial_.clear();
  if (decoder_ && frame_bytes_)
    decoder_->handle = lc3_setup_decoder(kFrameDurationUs, kSampleRateHz, 0, decoder_->mem.data());
}

Lc3Stream::Result Lc3Stream::decode(std::string_view chunk, std::vector<int16_t>& pcm) {
  Result r;
  if (!decoder_ || !decoder_->handle || frame_bytes_ <= 0) return r;
  const size_t fb = static_cast<size_t>(frame_bytes_);
  auto decode_one = [&](const char* frame) {
    const size_t at = pcm.size();
    pcm.resize(at + kSamplesPerFrame);  // within the capacity kept from earlier chunks
    const int rc = lc3_decode(decoder_->handle, frame, frame_bytes_, LC3_PCM_FORMAT_S16,
                              pcm.data() + at, 1);
    ++r.frames;
    if (rc != 0) ++r.errors;  // 1: bad bitstream, concealed; the samples are still there
  };
  // First the frame the previous chunk cut in two.
  if (!partial_.empty()) {
    const size_t need = fb - partial_.size();
    const size_t take = std::min(need, chunk.size());
    partial_.append(chunk.data(), take);
    chunk.remove_prefix(take);
    if (partial_.size() < fb) return r;
    decode_one(partial_.data());
    partial_.clear();
  }
  pcm.reserve(pcm.size() + (chunk.size() / fb) * kSamplesPerFrame);
  while (chunk.size() >= fb) {
    decode_one(chunk.data());
    chunk.remove_prefix(fb);
  }
  partial_.assign(chunk.data(), chunk.size());
  return r;
}

}  // namespace glasshub::audio
