// The KV cache's bookkeeping on a tiny geometry, where every block and its
// contents can be reasoned about by hand.
#include "kv/kv_cache.h"

#include <gtest/gtest.h>

#include <numeric>

namespace nymph::kv {
namespace {

// 1 layer, 1 KV head, head size 2, 4 tokens per block: 16 floats (64 bytes)
// per block.
constexpr KvGeometry kGeometry{1, 1, 2, 4};
constexpr size_t kBlockBytes = 64;

KvCache MakeCache(int blocks, double max_pinned_fraction = 1.0) {
  return KvCache(kGeometry, {blocks * kBlockBytes, max_pinned_fraction});
}

// Fills a block with a value derived from the content's block index and a
// tag, so a later copy out shows which store it came from.
BlockSource Tagged(float tag) {
  return [tag](int64_t index, float* destination) {
    for (size_t i = 0; i < kGeometry.floats_per_block(); ++i) {
      destination[i] = tag * 1000 + float(index) * 100 + float(i);
    }
  };
}

std::vector<int32_t> Tokens(int first, int count) {
  std::vector<int32_t> tokens(static_cast<size_t>(count));
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

std::vector<int32_t> Join(std::vector<int32_t> a,
                          const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int64_t Matched(KvCache& cache, const std::vector<int32_t>& tokens) {
  Lease lease = cache.Lookup(tokens, 1000);
  int64_t blocks = int64_t(lease.blocks.size());
  cache.Release(lease);
  return blocks;
}

TEST(KvGeometry, BlockBytesFollowTheModel) {
  // The bundled model: 4 layers x 2 KV heads x 32 x (key + value) x 4 B.
  KvGeometry bundled{4, 2, 32, 16};
  EXPECT_EQ(bundled.bytes_per_token(), 4u * 2 * 32 * 2 * 4);
  EXPECT_EQ(bundled.block_bytes(), 2048u * 16);
}

TEST(KvGeometry, KibFiguresWorkFromBytesForBlocksUnderAKib) {
  // 64-byte blocks: 16 make one KiB.
  EXPECT_EQ(kGeometry.kib(15), 0);
  EXPECT_EQ(kGeometry.kib(16), 1);
  EXPECT_EQ(kGeometry.kib(40), 2);  // 2,560 bytes
  EXPECT_EQ(kGeometry.blocks_for_kib(1), 16);
  EXPECT_EQ(kGeometry.blocks_for_kib(3), 48);
  // 1,536-byte blocks (1 layer, 1 head, size 48, 4 tokens): 2 KiB needs 2.
  constexpr KvGeometry kOddSize{1, 1, 48, 4};
  EXPECT_EQ(kOddSize.kib(3), 4);  // 4,608 bytes
  EXPECT_EQ(kOddSize.blocks_for_kib(2), 2);
  EXPECT_EQ(kOddSize.blocks_for_kib(3), 2);
  EXPECT_EQ(kOddSize.blocks_for_kib(4), 3);
}

TEST(KvGeometry, BlockCopiesRoundTripThroughPastTensors) {
  // Two heads, 3 blocks of 2 tokens, head size 3: element (h, t, d) of
  // tensor k is 1000k + 100h + 10t + d.
  KvGeometry g{1, 2, 3, 2};
  const int64_t length = 6;
  std::vector<std::vector<float>> tensors(2,
                                          std::vector<float>(2 * length * 3));
  PastView past{{tensors[0].data(), tensors[1].data()}, length};
  for (int k = 0; k < 2; ++k) {
    for (int h = 0; h < 2; ++h) {
      for (int t = 0; t < length; ++t) {
        for (int d = 0; d < 3; ++d) {
          tensors[k][(h * length + t) * 3 + d] =
              1000 * k + 100 * h + 10 * t + d;
        }
      }
    }
  }
  std::vector<float> block(g.floats_per_block());
  CopyPastToBlock(g, past, 1, block.data());
  // Block layout [tensor][head][token][dim]: tokens 2 and 3 of each head.
  EXPECT_EQ(block[0], 20);                       // k0 h0 t2 d0
  EXPECT_EQ(block[3], 30);                       // k0 h0 t3 d0
  EXPECT_EQ(block[6], 120);                      // k0 h1 t2 d0
  EXPECT_EQ(block[12 + 6 + 3 + 2], 1000 + 132);  // k1 h1 t3 d2
  std::vector<std::vector<float>> copy(2, std::vector<float>(2 * length * 3));
  PastView into{{copy[0].data(), copy[1].data()}, length};
  CopyBlockToPast(g, block.data(), 1, into);
  for (int k = 0; k < 2; ++k) {
    for (int h = 0; h < 2; ++h) {
      for (int t = 2; t < 4; ++t) {
        for (int d = 0; d < 3; ++d) {
          size_t at = (h * length + t) * 3 + d;
          EXPECT_EQ(copy[k][at], tensors[k][at]);
        }
      }
    }
  }
}

TEST(KvCache, StoredPrefixIsFoundAndItsContentCopiedOut) {
  KvCache cache = MakeCache(8);
  auto tokens = Tokens(10, 10);  // 2 full blocks and 2 tokens
  cache.Store(tokens, 2, Tagged(1), "");
  Lease lease = cache.Lookup(tokens, 1000);
  ASSERT_EQ(lease.blocks.size(), 2u);
  EXPECT_EQ(lease.tokens, 8);
  std::vector<float> keys(8 * 2), values(8 * 2);
  cache.CopyOut(lease, {{keys.data(), values.data()}, 8});
  // Block 1's keys are its floats 0..7: tag 1, index 1.
  EXPECT_EQ(keys[4 * 2], 1000 + 100 + 0);
  EXPECT_EQ(values[4 * 2 + 1], 1000 + 100 + 9);
  cache.Release(lease);
}

TEST(KvCache, LookupMatchesOnlyIdenticalPrefixes) {
  KvCache cache = MakeCache(8);
  auto tokens = Tokens(0, 12);
  cache.Store(tokens, 3, Tagged(1), "");
  EXPECT_EQ(Matched(cache, tokens), 3);
  auto second_differs = tokens;
  second_differs[5] = 99;
  EXPECT_EQ(Matched(cache, second_differs), 1);
  auto first_differs = tokens;
  first_differs[0] = 99;
  EXPECT_EQ(Matched(cache, first_differs), 0);
  // The same block content after another prefix is a different block.
  auto shifted = Join(Tokens(50, 4), Tokens(4, 4));
  EXPECT_EQ(Matched(cache, shifted), 0);
  Lease capped = cache.Lookup(tokens, 2);
  EXPECT_EQ(capped.blocks.size(), 2u);
  cache.Release(capped);
}

TEST(KvCache, EvictsLeastRecentlyUsedLeavesFirst) {
  KvCache cache = MakeCache(4);
  auto a = Tokens(0, 8), b = Tokens(100, 8), c = Tokens(200, 4);
  cache.Store(a, 2, Tagged(1), "");
  cache.Store(b, 2, Tagged(2), "");
  EXPECT_EQ(Matched(cache, a), 2);   // a is now the most recent
  cache.Store(c, 1, Tagged(3), "");  // needs one block: b's leaf goes
  EXPECT_EQ(cache.Stats().evictions, 1u);
  EXPECT_EQ(Matched(cache, b), 1);
  EXPECT_EQ(Matched(cache, a), 2);
  EXPECT_EQ(Matched(cache, c), 1);
}

TEST(KvCache, LeasedBlocksAreNotEvicted) {
  KvCache cache = MakeCache(2);
  auto a = Tokens(0, 8);
  cache.Store(a, 2, Tagged(1), "");
  Lease lease = cache.Lookup(a, 1000);
  cache.Store(Tokens(100, 8), 2, Tagged(2), "");  // no room: nothing stored
  EXPECT_EQ(cache.Stats().evictions, 0u);
  EXPECT_EQ(Matched(cache, Tokens(100, 8)), 0);
  cache.Release(lease);
  cache.Store(Tokens(100, 8), 2, Tagged(2), "");
  EXPECT_EQ(cache.Stats().evictions, 2u);
}

TEST(KvCache, HitsAndMissesAreCountedPerPromptAndRegion) {
  KvCache cache = MakeCache(16);
  auto prefix = Tokens(0, 10);  // 2 full blocks
  ASSERT_TRUE(cache.Pin({"sys", prefix, 3, 0, false}, Tagged(1)).ok());
  for (int i = 0; i < 3; ++i) {
    auto prompt = Join(prefix, Tokens(100 + 10 * i, 5));  // 15 tokens
    Lease lease = cache.Lookup(prompt, (15 - 1) / 4);
    cache.RecordPrompt(lease, 15, "");
    cache.Release(lease);
  }
  Lease none = cache.Lookup(Tokens(500, 9), 2);
  cache.RecordPrompt(none, 9, "sys");  // named: counts, hits nothing
  cache.Release(none);
  KvStats stats = cache.Stats();
  EXPECT_EQ(stats.hit_tokens, 3u * 8);
  EXPECT_EQ(stats.miss_tokens, 3u * 7 + 9);
  RegionInfo sys = *cache.Region("sys");
  EXPECT_EQ(sys.requests, 4u);
  EXPECT_EQ(sys.prompt_tokens, 3u * 15 + 9);
  EXPECT_EQ(sys.hit_tokens, 3u * 8);
  EXPECT_DOUBLE_EQ(sys.hit_rate(), 24.0 / 54.0);
}

TEST(KvCache, PinReservesWholeBlocksAndReportsItsFirstBlock) {
  KvCache cache = MakeCache(8);
  auto outcome = cache.Pin({"r", Tokens(0, 6), 3, 0, false}, Tagged(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->new_region);
  EXPECT_EQ(outcome->region.content_blocks, 1);
  EXPECT_EQ(outcome->region.reserved_blocks, 3);
  EXPECT_EQ(outcome->region.base_address, kPoolBaseAddress);
  KvStats stats = cache.Stats();
  EXPECT_EQ(stats.blocks_free, 5);
  EXPECT_EQ(stats.blocks_pinned, 3);
  EXPECT_EQ(stats.blocks_reserved, 2);
  auto second = cache.Pin({"s", {}, 2, 0, false}, Tagged(2));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->region.base_address, kPoolBaseAddress + 3 * kBlockBytes);
  // The same content again: nothing new, the priority updated.
  auto again = cache.Pin({"r", Tokens(0, 6), 3, 5, false}, Tagged(1));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->new_region);
  EXPECT_EQ(cache.Region("r")->priority, 5);
  auto other = cache.Pin({"r", Tokens(1, 6), 3, 0, false}, Tagged(1));
  EXPECT_EQ(other.status().kind(), ErrorKind::kConflict);
}

TEST(KvCache, PinnedBlocksSurvivePressureAndUnpinMakesThemEvictable) {
  KvCache cache = MakeCache(4);
  auto pinned = Tokens(0, 8);
  ASSERT_TRUE(cache.Pin({"keep", pinned, 2, 0, false}, Tagged(1)).ok());
  for (int i = 0; i < 5; ++i) {
    cache.Store(Tokens(100 * (i + 1), 8), 2, Tagged(2), "");
  }
  EXPECT_EQ(Matched(cache, pinned), 2);
  ASSERT_TRUE(cache.Unpin("keep").ok());
  EXPECT_EQ(cache.Unpin("keep").kind(), ErrorKind::kNotFound);
  cache.Store(Tokens(900, 16), 4, Tagged(3), "");
  EXPECT_EQ(Matched(cache, pinned), 0);
}

TEST(KvCache, RefusedPinChangesNothing) {
  KvCache cache = MakeCache(4);
  ASSERT_TRUE(cache.Pin({"a", Tokens(0, 8), 3, 1, false}, Tagged(1)).ok());
  cache.Store(Tokens(100, 4), 1, Tagged(2), "");
  KvStats before = cache.Stats();
  auto refused = cache.Pin({"b", Tokens(200, 8), 2, 0, false}, Tagged(3));
  EXPECT_EQ(refused.status().kind(), ErrorKind::kInsufficientStorage);
  // Equal priority may not evict, even forced.
  auto equal = cache.Pin({"b", Tokens(200, 8), 2, 1, true}, Tagged(3));
  EXPECT_EQ(equal.status().kind(), ErrorKind::kInsufficientStorage);
  KvStats after = cache.Stats();
  EXPECT_EQ(after.blocks_free, before.blocks_free);
  EXPECT_EQ(after.blocks_pinned, before.blocks_pinned);
  EXPECT_EQ(after.evictions, before.evictions);
  EXPECT_EQ(cache.Regions().size(), 1u);
  EXPECT_EQ(Matched(cache, Tokens(100, 4)), 1);
}

TEST(KvCache, ForcedPinEvictsOnlyLowerPriorityLowestFirst) {
  KvCache cache = MakeCache(6);
  ASSERT_TRUE(cache.Pin({"low", Tokens(0, 8), 2, 1, false}, Tagged(1)).ok());
  ASSERT_TRUE(cache.Pin({"mid", Tokens(100, 8), 2, 5, false}, Tagged(2)).ok());
  ASSERT_TRUE(cache.Pin({"high", Tokens(200, 8), 2, 9, false}, Tagged(3)).ok());
  // Priority 6 needing 2 blocks: only "low" (1) must go, not "mid" (5).
  auto forced = cache.Pin({"new", Tokens(300, 8), 2, 6, true}, Tagged(4));
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->evicted_regions, std::vector<std::string>{"low"});
  EXPECT_FALSE(cache.Region("low"));
  EXPECT_TRUE(cache.Region("mid"));
  // Needing 4 blocks at priority 6: "mid" is lower but "high" and "new"
  // are not, so there is not enough even forced, and nothing changes.
  auto too_big = cache.Pin({"big", Tokens(400, 16), 4, 6, true}, Tagged(5));
  EXPECT_EQ(too_big.status().kind(), ErrorKind::kInsufficientStorage);
  EXPECT_TRUE(cache.Region("mid"));
  EXPECT_EQ(cache.Regions().size(), 3u);
}

TEST(KvCache, PinShareIsCapped) {
  KvCache cache = MakeCache(8, 0.5);  // pins may hold 4 blocks
  EXPECT_EQ(cache.max_pinned_blocks(), 4);
  ASSERT_TRUE(cache.Pin({"a", {}, 3, 0, false}, Tagged(1)).ok());
  auto over = cache.Pin({"b", {}, 2, 0, false}, Tagged(1));
  EXPECT_EQ(over.status().kind(), ErrorKind::kInsufficientStorage);
  EXPECT_TRUE(cache.Pin({"b", {}, 1, 0, false}, Tagged(1)).ok());
}

TEST(KvCache, PinReusesCachedBlocksInsteadOfCopyingThemAgain) {
  KvCache cache = MakeCache(4);
  auto tokens = Tokens(0, 8);
  cache.Store(tokens, 2, Tagged(1), "");
  int calls = 0;
  auto outcome =
      cache.Pin({"r", tokens, 2, 0, false}, [&](int64_t, float*) { ++calls; });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(cache.Stats().blocks_free, 2);
}

TEST(KvCache, RequestsInARegionGrowItIntoItsReservation) {
  KvCache cache = MakeCache(8);
  auto prefix = Tokens(0, 4);
  ASSERT_TRUE(cache.Pin({"chat", prefix, 3, 0, false}, Tagged(1)).ok());
  auto turn = Join(prefix, Tokens(50, 12));  // 4 blocks in all
  EXPECT_TRUE(cache.Store(turn, 4, Tagged(2), "chat"));
  RegionInfo chat = *cache.Region("chat");
  EXPECT_EQ(chat.content_blocks, 3);  // the reservation held 3
  EXPECT_EQ(chat.reserved_blocks, 3);
  EXPECT_EQ(cache.Stats().blocks_pinned, 3);
  EXPECT_EQ(Matched(cache, turn), 4);  // the 4th is cached, unpinned
  // Outside the region, the same content does not grow it.
  EXPECT_FALSE(cache.Store(turn, 4, Tagged(2), ""));
}

TEST(KvCache, RegionContentIsItsTokensAndKv) {
  KvCache cache = MakeCache(4);
  ASSERT_TRUE(cache.Pin({"r", Tokens(7, 9), 3, 2, false}, Tagged(4)).ok());
  auto content = cache.Content("r");
  ASSERT_TRUE(content);
  EXPECT_EQ(content->tokens, Tokens(7, 8));
  ASSERT_EQ(content->kv.size(), 2 * kGeometry.floats_per_block());
  EXPECT_EQ(content->kv[16 + 3], 4000 + 100 + 3);
  EXPECT_EQ(content->info.priority, 2);
}

TEST(KvCache, RegionNames) {
  EXPECT_TRUE(IsValidRegionName("chat_ctx.v2-A"));
  EXPECT_TRUE(IsValidRegionName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidRegionName(std::string(65, 'a')));
  EXPECT_FALSE(IsValidRegionName(""));
  EXPECT_FALSE(IsValidRegionName("a/b"));
  EXPECT_FALSE(IsValidRegionName("sp ace"));
  EXPECT_FALSE(IsValidRegionName(".."));
  EXPECT_FALSE(IsValidRegionName("."));
  EXPECT_TRUE(IsValidRegionName(".hidden"));
}

}  // namespace
}  // namespace nymph::kv
