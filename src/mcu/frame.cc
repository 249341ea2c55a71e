#include "mcu/frame.h"

#include <algorithm>

#include "mcu/crc16.h"

namespace nymph::mcu {

std::vector<uint8_t> EncodeFrame(const Frame& frame) {
  std::vector<uint8_t> bytes;
  bytes.reserve(kHeaderSize + frame.payload.size() + kCrcSize);
  bytes.push_back(kSync0);
  bytes.push_back(kSync1);
  bytes.push_back(static_cast<uint8_t>(frame.payload.size()));
  bytes.push_back(frame.seq);
  bytes.push_back(frame.command);
  bytes.insert(bytes.end(), frame.payload.begin(), frame.payload.end());
  uint16_t crc = Crc16CcittFalse(std::span(bytes).subspan(2));
  bytes.push_back(static_cast<uint8_t>(crc & 0xFF));
  bytes.push_back(static_cast<uint8_t>(crc >> 8));
  return bytes;
}

std::vector<Frame> FrameDecoder::Feed(std::span<const uint8_t> bytes) {
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  std::vector<Frame> frames;
  Extract(frames);
  return frames;
}

std::vector<Frame> FrameDecoder::Flush() {
  std::vector<Frame> frames;
  while (!buffer_.empty()) {
    Discard(1);
    Extract(frames);
  }
  return frames;
}

void FrameDecoder::Discard(size_t count) {
  buffer_.erase(buffer_.begin(), buffer_.begin() + count);
  stats_.discarded_bytes += count;
}

void FrameDecoder::Extract(std::vector<Frame>& out) {
  while (!buffer_.empty()) {
    auto start = std::adjacent_find(
        buffer_.begin(), buffer_.end(),
        [](uint8_t a, uint8_t b) { return a == kSync0 && b == kSync1; });
    if (start == buffer_.end()) {
      // A trailing first sync byte may be completed by the next chunk.
      size_t keep = buffer_.back() == kSync0 ? 1 : 0;
      Discard(buffer_.size() - keep);
      return;
    }
    Discard(static_cast<size_t>(start - buffer_.begin()));
    if (buffer_.size() < kHeaderSize) return;
    size_t length = buffer_[2];
    if (length > kMaxPayload) {
      ++stats_.rejected_frames;
      Discard(1);
      continue;
    }
    size_t total = kHeaderSize + length + kCrcSize;
    if (buffer_.size() < total) return;
    uint16_t expected = Crc16CcittFalse(
        std::span(buffer_).subspan(2, kHeaderSize - 2 + length));
    uint16_t received =
        static_cast<uint16_t>(buffer_[total - 2] | buffer_[total - 1] << 8);
    if (expected != received) {
      // Perhaps the sync pair was noise and a real frame starts inside.
      ++stats_.rejected_frames;
      Discard(1);
      continue;
    }
    Frame frame;
    frame.seq = buffer_[3];
    frame.command = buffer_[4];
    frame.payload.assign(buffer_.begin() + kHeaderSize,
                         buffer_.begin() + kHeaderSize + length);
    buffer_.erase(buffer_.begin(), buffer_.begin() + total);
    ++stats_.frames;
    out.push_back(std::move(frame));
  }
}

}  // namespace nymph::mcu
