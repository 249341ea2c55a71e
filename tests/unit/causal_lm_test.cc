// The bundled language model through CausalLm: KV-cached decoding must give
// the logits of a full recompute without cache at every step.
#include "generation/causal_lm.h"
#include "generation/prefix_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "generation/sampler.h"
#include "generation/tokenizer.h"

namespace nymph {
namespace {

class CausalLmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new Ort::Env(ORT_LOGGING_LEVEL_ERROR, "test");
    auto lm = CausalLm::Load(*env_, NYMPH_BUNDLED_LM, {1, 1});
    ASSERT_TRUE(lm.ok()) << lm.status().message();
    lm_ = lm->release();
  }
  static void TearDownTestSuite() {
    delete lm_;
    delete env_;
  }
  static Ort::Env* env_;
  static CausalLm* lm_;
};

Ort::Env* CausalLmTest::env_ = nullptr;
CausalLm* CausalLmTest::lm_ = nullptr;

TEST_F(CausalLmTest, Shape_IsReadFromTheModelInputs) {
  EXPECT_GT(lm_->shape().layers, 0);
  EXPECT_GT(lm_->shape().kv_heads, 0);
  EXPECT_GT(lm_->shape().head_dim, 0);
  EXPECT_EQ(lm_->shape().vocab, 256);
}

TEST_F(CausalLmTest, CachedGreedyDecode_EqualsRecomputeWithoutCache) {
  ByteTokenizer tokenizer;
  const char* prompts[] = {"And God said", "I",
                           "In the beginning God created the heaven and the "
                           "earth. And the earth was without form, and void;"};
  for (const char* prompt : prompts) {
    SCOPED_TRACE(prompt);
    std::vector<int32_t> tokens = tokenizer.Encode(prompt);
    CausalLm::Sequence cached = lm_->NewSequence();
    auto logits = lm_->Forward(cached, tokens);
    ASSERT_TRUE(logits.ok()) << logits.status().message();
    for (int step = 0; step < 24; ++step) {
      // Recompute: a fresh sequence over every token so far.
      CausalLm::Sequence fresh = lm_->NewSequence();
      auto full = lm_->Forward(fresh, tokens);
      ASSERT_TRUE(full.ok());
      float worst = 0;
      for (size_t i = 0; i < full->size(); ++i) {
        worst = std::max(worst, std::fabs((*full)[i] - (*logits)[i]));
      }
      ASSERT_LE(worst, 1e-4f) << "step " << step;
      int32_t next = Sampler::Argmax(*logits);
      tokens.push_back(next);
      logits = lm_->Forward(cached, std::span(&next, 1));
      ASSERT_TRUE(logits.ok());
      EXPECT_EQ(cached.length(), static_cast<int64_t>(tokens.size()));
    }
  }
}

TEST_F(CausalLmTest, LongPromptInChunks_EqualsOneTokenAtATime) {
  // 700 tokens: the prompt runs as chunks of kPrefillChunkTokens (256, 256,
  // 188), each attending to the cache the earlier ones left; fed one token
  // per run instead, the same positions see the same context.
  static_assert(CausalLm::kPrefillChunkTokens < 700);
  ByteTokenizer tokenizer;
  std::string text;
  while (text.size() < 700) text += "And the LORD spake unto Moses, saying, ";
  std::vector<int32_t> tokens = tokenizer.Encode(text.substr(0, 700));
  CausalLm::Sequence chunked = lm_->NewSequence();
  auto at_once = lm_->Forward(chunked, tokens);
  ASSERT_TRUE(at_once.ok()) << at_once.status().message();
  EXPECT_EQ(chunked.length(), 700);
  CausalLm::Sequence stepped = lm_->NewSequence();
  StatusOr<std::vector<float>> last = std::vector<float>();
  for (int32_t token : tokens) {
    last = lm_->Forward(stepped, std::span(&token, 1));
    ASSERT_TRUE(last.ok());
  }
  float worst = 0;
  for (size_t i = 0; i < last->size(); ++i) {
    worst = std::max(worst, std::fabs((*last)[i] - (*at_once)[i]));
  }
  EXPECT_LE(worst, 1e-4f);
}

}  // namespace
}  // namespace nymph

namespace nymph {
namespace {

// A prompt whose first blocks come from the paged cache (copied out of the
// pool into fresh past tensors) gives the logits of a full recompute.
TEST_F(CausalLmTest, PrefixFromThePagedCache_EqualsRecomputeWithoutCache) {
  ByteTokenizer tokenizer;
  PrefixCache prefix(*lm_, 16, {size_t{64} << 20, 0.5}, "", "");
  const std::string shared =
      "And it came to pass, when men began to multiply on the face of the "
      "earth, and daughters were born unto them,";  // 110 bytes: 6 blocks
  std::vector<int32_t> first = tokenizer.Encode(shared + " that the sons");
  int64_t cached = -1;
  CausalLm::Sequence sequence = prefix.Begin(first, "", cached);
  EXPECT_EQ(cached, 0);
  ASSERT_TRUE(lm_->Forward(sequence, first).ok());
  prefix.Finish(first, sequence, "");

  std::vector<int32_t> second = tokenizer.Encode(shared + " and the LORD");
  CausalLm::Sequence reused = prefix.Begin(second, "", cached);
  EXPECT_EQ(cached, 16 * (110 / 16));
  auto logits = lm_->Forward(
      reused, std::span(second).subspan(static_cast<size_t>(cached)));
  ASSERT_TRUE(logits.ok());
  CausalLm::Sequence fresh = lm_->NewSequence();
  auto full = lm_->Forward(fresh, second);
  ASSERT_TRUE(full.ok());
  float worst = 0;
  for (size_t i = 0; i < full->size(); ++i) {
    worst = std::max(worst, std::fabs((*full)[i] - (*logits)[i]));
  }
  EXPECT_LT(worst, 1e-4f);
}

}  // namespace
}  // namespace nymph
