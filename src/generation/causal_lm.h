// A decoder-only language model exported to ONNX in the common KV-cache
// layout: inputs input_ids, attention_mask, position_ids and
// past_key_values.{i}.key|value [batch, kv_heads, past, head_dim]; outputs
// logits [batch, seq, vocab] and present.{i}.key|value. Layers, KV heads
// and head size are read from the model's own inputs.
//
// Thread safety: Forward() may run concurrently for different Sequences
// (ONNX Runtime sessions allow concurrent Run); one Sequence is used by
// one thread at a time.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "inference/onnx_model.h"
#include "kv/kv_geometry.h"

namespace nymph {

struct LmShape {
  int layers = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab = 0;
};

class CausalLm {
 public:
  // One sequence's KV cache: the `present` tensors of its last step, fed
  // back as `past` on the next, so no KV is copied between steps.
  class Sequence {
   public:
    int64_t length() const { return length_; }
    // The cache as plain memory, for copying blocks in and out.
    kv::PastView past_view();

   private:
    friend class CausalLm;
    std::vector<Ort::Value> past_;  // key, value per layer
    int64_t length_ = 0;
  };

  // `env` must outlive the model. Fails if the file lacks the layout above.
  static StatusOr<std::unique_ptr<CausalLm>> Load(
      Ort::Env& env, const std::string& path, const SessionSettings& settings);
  // The same over a session already open (the one /infer runs the file
  // in), so the weights are not loaded twice.
  static StatusOr<std::unique_ptr<CausalLm>> FromSession(
      std::shared_ptr<Ort::Session> session);

  const LmShape& shape() const { return shape_; }
  // A sequence of `length` cached positions whose keys and values the
  // caller writes through past_view() before the first Forward().
  Sequence NewSequence(int64_t length = 0) const;
  kv::KvGeometry geometry(int block_tokens) const {
    return {shape_.layers, shape_.kv_heads, shape_.head_dim, block_tokens};
  }

  // Runs `tokens` after those already in `sequence`, extends its cache and
  // returns the logits of the last token (vocab floats). A long run of
  // tokens (a prompt) goes in chunks of kPrefillChunkTokens: the memory a
  // step needs (attention scores grow with its tokens × the context), and
  // ONNX Runtime's arena that keeps its peak, stay bounded by the chunk.
  // On failure the sequence keeps the chunks that ran.
  // REQUIRES: !tokens.empty().
  StatusOr<std::vector<float>> Forward(Sequence& sequence,
                                       std::span<const int32_t> tokens) const;
  static constexpr size_t kPrefillChunkTokens = 256;

 private:
  CausalLm() = default;
  // One model run; on failure the sequence is as it was.
  StatusOr<std::vector<float>> ForwardChunk(
      Sequence& sequence, std::span<const int32_t> tokens) const;

  LmShape shape_;
  std::shared_ptr<Ort::Session> session_;
  std::vector<std::string> input_names_;   // in the order Forward feeds them
  std::vector<std::string> output_names_;  // logits, then present per layer
};

}  // namespace nymph
