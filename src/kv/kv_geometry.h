// How one model's keys and values are cut into fixed-size blocks.
//
// A block holds `block_tokens` consecutive positions of every layer's keys
// and values, laid out [layer][key|value][kv_head][token][head_dim] so that
// one head's run of positions is a single memcpy to or from the model's
// past tensors ([batch=1][kv_head][position][head_dim]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nymph::kv {

struct KvGeometry {
  int layers = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int block_tokens = 16;

  size_t floats_per_block() const {
    return size_t{2} * layers * kv_heads * head_dim * block_tokens;
  }
  size_t block_bytes() const { return floats_per_block() * sizeof(float); }
  size_t bytes_per_token() const { return block_bytes() / block_tokens; }
  // The API counts in KiB; these work from bytes, so a block that is not a
  // whole number of KiB still adds up and rounds the right way.
  int64_t kib(int64_t blocks) const {
    return int64_t(uint64_t(blocks) * block_bytes() / 1024);
  }
  int64_t blocks_for_kib(int64_t kib) const {
    return int64_t((uint64_t(kib) * 1024 + block_bytes() - 1) / block_bytes());
  }
};

// One sequence's past tensors as plain memory: `tensors[layer * 2 + part]`
// (part 0 keys, 1 values) points at [kv_head][length][head_dim] floats.
struct PastView {
  std::vector<float*> tensors;
  int64_t length = 0;
};

// Copies positions [block * block_tokens, +block_tokens) of `past` into a
// block laid out as above, and back.
void CopyPastToBlock(const KvGeometry& geometry, const PastView& past,
                     int64_t block, float* destination);
void CopyBlockToPast(const KvGeometry& geometry, const float* source,
                     int64_t block, const PastView& past);

}  // namespace nymph::kv
