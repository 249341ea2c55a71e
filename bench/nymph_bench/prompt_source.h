// Prompts cut from a text, deterministic for a seed: the index-th slice
// always reads the same, and different indices start at different words,
// so unique prompts share no prefix a cache could reuse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace nymph::bench {

// Immutable after construction; safe to share between threads.
class PromptSource {
 public:
  // REQUIRES: `text` contains at least one word.
  PromptSource(std::string text, uint64_t seed);
  static StatusOr<PromptSource> FromFile(const std::string& path,
                                         uint64_t seed);

  // `chars` characters starting at the index-th word of a seeded shuffle
  // of all word starts (indices beyond the word count cycle). The text is
  // read as a ring: a slice running past its end goes on at its start.
  std::string Slice(size_t index, size_t chars) const;

  size_t distinct_starts() const { return starts_.size(); }

 private:
  std::string text_;
  std::vector<size_t> starts_;
};

}  // namespace nymph::bench
