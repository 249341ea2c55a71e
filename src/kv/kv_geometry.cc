#include "kv/kv_geometry.h"

#include <cstring>

namespace nymph::kv {
namespace {

// Offset of (layer/part `tensor`, `head`) inside a block, in floats.
size_t BlockRun(const KvGeometry& g, size_t tensor, size_t head) {
  return (tensor * g.kv_heads + head) * g.block_tokens * g.head_dim;
}

// Offset of (`head`, first position of `block`) inside a past tensor.
size_t PastRun(const KvGeometry& g, int64_t length, size_t head,
               int64_t block) {
  return (head * length + block * g.block_tokens) * g.head_dim;
}

}  // namespace

void CopyPastToBlock(const KvGeometry& g, const PastView& past, int64_t block,
                     float* destination) {
  const size_t run = size_t(g.block_tokens) * g.head_dim * sizeof(float);
  for (size_t t = 0; t < past.tensors.size(); ++t) {
    for (int h = 0; h < g.kv_heads; ++h) {
      std::memcpy(destination + BlockRun(g, t, h),
                  past.tensors[t] + PastRun(g, past.length, h, block), run);
    }
  }
}

void CopyBlockToPast(const KvGeometry& g, const float* source, int64_t block,
                     const PastView& past) {
  const size_t run = size_t(g.block_tokens) * g.head_dim * sizeof(float);
  for (size_t t = 0; t < past.tensors.size(); ++t) {
    for (int h = 0; h < g.kv_heads; ++h) {
      std::memcpy(past.tensors[t] + PastRun(g, past.length, h, block),
                  source + BlockRun(g, t, h), run);
    }
  }
}

}  // namespace nymph::kv
