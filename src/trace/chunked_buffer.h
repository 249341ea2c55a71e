// The trace's bytes, kept in chunks of a fixed size: growing never moves
// what is already there, so memory stays near the bytes recorded (a
// std::string that doubles holds its old and new copies at once, up to
// twice the trace's limit for a moment).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nymph::trace {

class ChunkedBuffer {
 public:
  explicit ChunkedBuffer(size_t chunk_bytes = size_t{1} << 20)
      : chunk_bytes_(chunk_bytes) {}

  // Appends `bytes` whole to one chunk (a new one when the last has no
  // room; one of their own size when larger than a chunk).
  void Append(std::string_view bytes);
  size_t size() const { return size_; }
  // The chunks in order; valid until the next Append.
  std::vector<std::string_view> Parts() const;

 private:
  size_t chunk_bytes_;
  size_t size_ = 0;
  std::vector<std::string> chunks_;
};

}  // namespace nymph::trace
