// Framing of the MCU serial link (docs/mcu-protocol.md has the full
// protocol). A frame on the wire:
//
//   0xA5 0x5A | LEN | SEQ | CMD | PAYLOAD (LEN bytes) | CRC16 (little-endian)
//
// LEN is 0..kMaxPayload; the CRC-16/CCITT-FALSE covers LEN, SEQ, CMD and the
// payload. There is no byte stuffing: the decoder finds frames by the sync
// pair and accepts one only if its length is sane and its CRC matches; after
// a mismatch it looks for the next sync pair one byte further on, so a good
// frame that follows garbage is still found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace nymph::mcu {

inline constexpr uint8_t kSync0 = 0xA5;
inline constexpr uint8_t kSync1 = 0x5A;
inline constexpr size_t kMaxPayload = 64;
inline constexpr size_t kHeaderSize = 5;  // sync pair, LEN, SEQ, CMD
inline constexpr size_t kCrcSize = 2;
inline constexpr size_t kMaxFrameSize = kHeaderSize + kMaxPayload + kCrcSize;

struct Frame {
  uint8_t seq = 0;
  uint8_t command = 0;
  std::vector<uint8_t> payload;

  bool operator==(const Frame&) const = default;
};

// The bytes of `frame` on the wire.
// REQUIRES: frame.payload.size() <= kMaxPayload.
std::vector<uint8_t> EncodeFrame(const Frame& frame);

// Turns a byte stream cut into arbitrary chunks back into frames, dropping
// garbage, corrupted and truncated frames. Not thread-safe: one reader owns
// it. Memory stays bounded by about one frame plus the last chunk.
class FrameDecoder {
 public:
  struct Stats {
    uint64_t frames = 0;           // good frames returned
    uint64_t rejected_frames = 0;  // sync found, but bad length or CRC
    uint64_t discarded_bytes = 0;  // bytes that belonged to no good frame
  };

  // Appends `bytes` and returns the frames completed by them, in order.
  std::vector<Frame> Feed(std::span<const uint8_t> bytes);

  // The line has gone idle, so an unfinished frame in the buffer will never
  // be completed (a sender writes a frame in one go): drop it and return
  // any good frames that were hidden behind its bogus length.
  std::vector<Frame> Flush();

  // True when bytes of an unfinished frame are buffered.
  bool pending() const { return !buffer_.empty(); }
  const Stats& stats() const { return stats_; }

 private:
  void Extract(std::vector<Frame>& out);
  void Discard(size_t count);

  std::vector<uint8_t> buffer_;
  Stats stats_;
};

}  // namespace nymph::mcu
