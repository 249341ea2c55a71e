// The paged KV cache of one language model: a fixed pool of blocks, an
// index of cached prompt prefixes, pinned regions, and the counts behind
// every hit rate it reports.
//
// A full block is indexed under a key chained over its parent's key and its
// own tokens. A lookup accepts a block only if its tokens and its parent
// block are the ones expected, so a hash collision can never serve another
// prompt's keys and values.
//
// Blocks move between three states: free; cached (indexed, holding KV);
// reserved (held empty by a region for it to grow into). A cached block is
// evictable when no request is copying from it (refs) and no region holds
// it (pins); eviction takes the least recently used first, and a chain is
// touched from its last block to its first so that a parent is always more
// recent than its children: leaves go before the prefixes they extend.
//
// Thread safety: every public method may be called concurrently. Block
// memory of a leased block is read without the lock: a block with refs > 0
// is never evicted or rewritten.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "kv/kv_geometry.h"

namespace nymph::kv {

// [A-Za-z0-9_.-]{1,64}, as SPEC says region names are, but not only dots:
// "." and ".." cannot be addressed in a URL (DELETE /kv/pin/..).
bool IsValidRegionName(std::string_view name);
inline constexpr const char* kRegionNameRule =
    "must match [A-Za-z0-9_.-]{1,64} and not be only dots";

// Offsets reported to clients start here (SPEC: pool base 0x100000).
inline constexpr uint64_t kPoolBaseAddress = 0x100000;

struct KvSettings {
  size_t capacity_bytes = size_t{1} << 30;
  // Pins may hold at most this share of the blocks, so that unpinned
  // traffic always finds room.
  double max_pinned_fraction = 0.75;
};

// Writes the KV of block `index` (counted from the first token of the
// content handed over) into `destination`, laid out as in kv_geometry.h.
using BlockSource = std::function<void(int64_t index, float* destination)>;

// Blocks a request reads its cached prefix from; Release() it when copied.
struct Lease {
  std::vector<int32_t> blocks;
  int64_t tokens = 0;  // blocks.size() * block_tokens
};

struct PinRequest {
  std::string region;
  std::vector<int32_t> tokens;  // content; its full blocks are cached
  int64_t reserved_blocks = 0;  // >= full blocks of `tokens`
  int priority = 0;
  bool force = false;
};

struct RegionInfo {
  std::string name;
  int priority = 0;
  int64_t reserved_blocks = 0;  // content plus room to grow
  int64_t content_blocks = 0;
  uint64_t base_address = 0;
  uint64_t requests = 0;       // prompts that matched or named it
  uint64_t prompt_tokens = 0;  // their prompt tokens
  uint64_t hit_tokens = 0;     // of which served from its blocks
  double hit_rate() const {
    return prompt_tokens == 0 ? 0.0 : double(hit_tokens) / prompt_tokens;
  }
};

struct PinOutcome {
  RegionInfo region;
  bool new_region = true;
  std::vector<std::string> evicted_regions;  // by a forced pin
  // Something a region file keeps has changed: a new region, or a re-pin
  // with another priority.
  bool changed = true;
};

// A region's tokens and KV, for writing it to disk.
struct RegionContent {
  RegionInfo info;
  std::vector<int32_t> tokens;  // content_blocks * block_tokens
  std::vector<float> kv;        // content_blocks * floats_per_block
};

struct KvStats {
  int64_t block_tokens = 0;
  int64_t block_bytes = 0;
  int64_t blocks_total = 0;
  int64_t blocks_free = 0;
  int64_t blocks_cached = 0;    // holding KV (pinned or not)
  int64_t blocks_reserved = 0;  // held empty by regions
  int64_t blocks_pinned = 0;    // held by regions, cached or reserved
  int64_t blocks_evictable = 0;
  int64_t regions = 0;
  uint64_t hit_tokens = 0;   // prompt tokens served from the cache
  uint64_t miss_tokens = 0;  // prompt tokens computed
  uint64_t evictions = 0;    // cached blocks dropped to make room
  uint64_t stored_blocks = 0;
  double hit_rate() const {
    uint64_t all = hit_tokens + miss_tokens;
    return all == 0 ? 0.0 : double(hit_tokens) / all;
  }
};

class KvCache {
 public:
  KvCache(KvGeometry geometry, const KvSettings& settings);

  const KvGeometry& geometry() const { return geometry_; }
  int64_t total_blocks() const { return total_blocks_; }
  int64_t max_pinned_blocks() const { return max_pinned_blocks_; }

  // 404 unless `region` is empty or names a region.
  Status CheckRegion(const std::string& region) const;

  // The longest cached prefix of `tokens`, at most `max_blocks` blocks,
  // with a reference held on each until Release().
  Lease Lookup(std::span<const int32_t> tokens, int64_t max_blocks);
  // Copies the leased blocks into positions [0, lease.tokens) of `past`.
  void CopyOut(const Lease& lease, const PastView& past) const;
  void Release(Lease& lease);

  // Counts a request's prompt: `lease.tokens` served, the rest computed;
  // attributes hits to each region whose blocks the lease starts with, and
  // counts the prompt for `named_region` even when nothing matched.
  void RecordPrompt(const Lease& lease, int64_t prompt_tokens,
                    const std::string& named_region);

  // Caches blocks [0, blocks) of `tokens` (those not cached yet; `source`
  // gives their KV). With `region`, blocks continuing that region's
  // content go into its reserved room. Stops quietly when the pool has no
  // room. Returns true when `region`'s content grew.
  bool Store(std::span<const int32_t> tokens, int64_t blocks,
             const BlockSource& source, const std::string& region);

  // All or nothing: 409 if the name holds other content, 507 if the pool
  // (or the pin share) has no room even after the evictions allowed; then
  // nothing has changed. Re-pinning the same content updates the priority.
  StatusOr<PinOutcome> Pin(const PinRequest& request,
                           const BlockSource& source);
  Status Unpin(const std::string& region);

  std::vector<RegionInfo> Regions() const;
  std::optional<RegionInfo> Region(const std::string& name) const;
  std::optional<RegionContent> Content(const std::string& name) const;
  KvStats Stats() const;

 private:
  struct Block {
    int32_t refs = 0;
    int32_t pins = 0;
    bool cached = false;    // holds KV and is in the index
    bool reserved = false;  // held empty by a region
    bool in_lru = false;
    int32_t parent = -1;
    uint64_t key = 0;
    uint64_t last_used = 0;
  };
  struct RegionState {
    RegionInfo info;
    std::vector<int32_t> chain;  // cached content, in order
    std::vector<int32_t> spare;  // reserved, empty
    uint64_t last_used = 0;
  };

  float* BlockMemory(int32_t id) const;
  std::span<const int32_t> BlockTokens(int32_t id) const;
  uint64_t ChainKey(uint64_t parent_key, std::span<const int32_t> tokens) const;
  // Walks the index along `tokens`; the verified blocks, at most `max`.
  std::vector<int32_t> MatchLocked(std::span<const int32_t> tokens,
                                   int64_t max) const;
  void TouchLocked(const std::vector<int32_t>& chain);
  void UpdateEvictableLocked(int32_t id);
  // A free block, evicting the least recently used if need be; -1 if none.
  int32_t TakeBlockLocked();
  void EvictLocked(int32_t id);
  void FillLocked(int32_t id, int32_t parent, uint64_t key,
                  std::span<const int32_t> tokens);
  void DropRegionLocked(RegionState& region);
  RegionInfo InfoLocked(const RegionState& region) const;
  int64_t EvictableCountLocked() const { return int64_t(lru_.size()); }

  const KvGeometry geometry_;
  const int64_t total_blocks_;
  const int64_t max_pinned_blocks_;
  std::unique_ptr<float[]> memory_;  // total_blocks_ blocks, untouched
                                     // until used
  std::vector<int32_t> tokens_;      // block_tokens per block

  mutable std::mutex mutex_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;
  std::set<std::pair<uint64_t, int32_t>> lru_;  // (last_used, block)
  std::unordered_map<uint64_t, int32_t> index_;
  std::map<std::string, RegionState> regions_;
  uint64_t clock_ = 0;
  int64_t pinned_blocks_ = 0;
  KvStats counters_;  // hit/miss/evictions/stored; the rest is derived
};

}  // namespace nymph::kv
