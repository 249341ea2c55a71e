#include "trace/chunked_buffer.h"

#include <algorithm>

namespace nymph::trace {

void ChunkedBuffer::Append(std::string_view bytes) {
  // A new chunk when the last would pass its size, or its capacity (which
  // would reallocate and copy it).
  if (chunks_.empty() ||
      chunks_.back().size() + bytes.size() >
          std::min(chunk_bytes_, chunks_.back().capacity())) {
    chunks_.emplace_back();
    chunks_.back().reserve(std::max(chunk_bytes_, bytes.size()));
  }
  chunks_.back().append(bytes);
  size_ += bytes.size();
}

std::vector<std::string_view> ChunkedBuffer::Parts() const {
  return {chunks_.begin(), chunks_.end()};
}

}  // namespace nymph::trace
