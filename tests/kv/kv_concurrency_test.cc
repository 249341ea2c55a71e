// Pins, unpins, lookups and stores from several threads at once. Built a
// second time with ThreadSanitizer (nymph_kv_tsan_tests), which fails the
// test on any data race; the invariants below catch lost updates.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kv/kv_cache.h"

namespace nymph::kv {
namespace {

constexpr KvGeometry kGeometry{2, 2, 4, 4};

std::vector<int32_t> Prompt(int family, int variant, int blocks) {
  std::vector<int32_t> tokens;
  for (int i = 0; i < blocks * kGeometry.block_tokens; ++i) {
    // Families share their first two blocks; variants differ after.
    tokens.push_back(i < 8 ? family * 1000 + i : variant * 1000 + i);
  }
  return tokens;
}

// Every block's floats are its first token, so a copy from the wrong block
// is visible.
void FillFromTokens(std::span<const int32_t> tokens, int64_t index,
                    float* destination) {
  std::fill_n(destination, kGeometry.floats_per_block(),
              float(tokens[size_t(index) * kGeometry.block_tokens]));
}

TEST(KvCacheConcurrency, ParallelTrafficKeepsTheBooksAndTheContent) {
  KvCache cache(kGeometry, {48 * kGeometry.block_bytes(), 0.5});
  std::atomic<int> wrong_content{0};
  std::atomic<int> pins_ok{0};
  auto requests = [&](int thread) {
    for (int i = 0; i < 300; ++i) {
      auto prompt = Prompt(i % 3, thread * 100 + i % 7, 5);
      Lease lease = cache.Lookup(prompt, 4);
      cache.RecordPrompt(lease, int64_t(prompt.size()), "");
      // One head's first position of every leased block: a past tensor
      // with one position per block is enough to see each block's value.
      const int64_t length = lease.tokens;
      std::vector<std::vector<float>> past(
          4, std::vector<float>(size_t(2 * length * 4)));
      PastView view{
          {past[0].data(), past[1].data(), past[2].data(), past[3].data()},
          length};
      cache.CopyOut(lease, view);
      for (size_t b = 0; b < lease.blocks.size(); ++b) {
        float expected = float(prompt[b * kGeometry.block_tokens]);
        if (past[3][b * kGeometry.block_tokens * 4] != expected) {
          wrong_content++;
        }
      }
      cache.Release(lease);
      cache.Store(
          prompt, 5,
          [&](int64_t index, float* destination) {
            FillFromTokens(prompt, index, destination);
          },
          "");
    }
  };
  auto pinner = [&](int thread) {
    for (int i = 0; i < 150; ++i) {
      std::string name =
          "r" + std::to_string(thread) + "_" + std::to_string(i % 4);
      auto tokens = Prompt(thread + 10, i % 4, 2);
      auto pinned = cache.Pin({name, tokens, 3, i % 3, i % 2 == 0},
                              [&](int64_t index, float* destination) {
                                FillFromTokens(tokens, index, destination);
                              });
      if (pinned.ok()) pins_ok++;
      if (i % 2 == 1) cache.Unpin(name);
      cache.Stats();
      cache.Regions();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back(requests, t);
  for (int t = 0; t < 2; ++t) threads.emplace_back(pinner, t);
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(wrong_content.load(), 0);
  EXPECT_GT(pins_ok.load(), 0);
  KvStats stats = cache.Stats();
  EXPECT_EQ(stats.blocks_free + stats.blocks_cached + stats.blocks_reserved,
            stats.blocks_total);
  EXPECT_LE(stats.blocks_pinned, cache.max_pinned_blocks());
  EXPECT_EQ(stats.hit_tokens + stats.miss_tokens, 3u * 300 * 20);
  int64_t region_blocks = 0;
  for (const RegionInfo& region : cache.Regions()) {
    region_blocks += region.reserved_blocks;
  }
  // Regions may share blocks, so the distinct pinned blocks are at most
  // the sum of their reservations.
  EXPECT_LE(stats.blocks_pinned, region_blocks);
  // Nothing is leased any more: every cached block that no region holds is
  // evictable.
  EXPECT_EQ(
      stats.blocks_evictable,
      stats.blocks_cached - (stats.blocks_pinned - stats.blocks_reserved));
}

}  // namespace
}  // namespace nymph::kv
