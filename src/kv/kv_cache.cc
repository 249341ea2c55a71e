#include "kv/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace nymph::kv {
namespace {

// SplitMix64's finalizer: a cheap mix whose quality only matters for
// speed, since every hit is verified against the tokens.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool SameTokens(std::span<const int32_t> a, std::span<const int32_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

Status NoRoom(const std::string& why) {
  return Status(ErrorKind::kInsufficientStorage, "kv_cache_full", why);
}

}  // namespace

bool IsValidRegionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name.find_first_not_of('.') == std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

KvCache::KvCache(KvGeometry geometry, const KvSettings& settings)
    : geometry_(geometry),
      total_blocks_(int64_t(settings.capacity_bytes / geometry.block_bytes())),
      max_pinned_blocks_(
          int64_t(double(total_blocks_) * settings.max_pinned_fraction)),
      memory_(std::make_unique_for_overwrite<float[]>(
          size_t(total_blocks_) * geometry.floats_per_block())),
      tokens_(size_t(total_blocks_) * geometry.block_tokens),
      blocks_(size_t(total_blocks_)) {
  // Handed out lowest address first, so a fresh pool's offsets read
  // naturally.
  for (int64_t id = total_blocks_ - 1; id >= 0; --id) {
    free_.push_back(int32_t(id));
  }
}

float* KvCache::BlockMemory(int32_t id) const {
  return memory_.get() + size_t(id) * geometry_.floats_per_block();
}

std::span<const int32_t> KvCache::BlockTokens(int32_t id) const {
  return {tokens_.data() + size_t(id) * geometry_.block_tokens,
          size_t(geometry_.block_tokens)};
}

uint64_t KvCache::ChainKey(uint64_t parent_key,
                           std::span<const int32_t> tokens) const {
  uint64_t key = Mix(parent_key ^ 0x6b76636861696eULL);
  for (int32_t token : tokens) key = Mix(key ^ uint32_t(token));
  return key;
}

Status KvCache::CheckRegion(const std::string& region) const {
  if (region.empty()) return Status();
  std::lock_guard lock(mutex_);
  if (regions_.count(region)) return Status();
  return Status(ErrorKind::kNotFound, "region_not_found",
                "no pinned KV region named '" + region +
                    "'; GET /kv/regions lists them, POST /kv/pin makes one");
}

std::vector<int32_t> KvCache::MatchLocked(std::span<const int32_t> tokens,
                                          int64_t max) const {
  const size_t n = size_t(geometry_.block_tokens);
  const int64_t full = std::min<int64_t>(int64_t(tokens.size() / n), max);
  std::vector<int32_t> chain;
  uint64_t key = 0;
  int32_t parent = -1;
  for (int64_t i = 0; i < full; ++i) {
    auto piece = tokens.subspan(size_t(i) * n, n);
    key = ChainKey(key, piece);
    auto it = index_.find(key);
    if (it == index_.end()) break;
    const int32_t id = it->second;
    if (blocks_[id].parent != parent || !SameTokens(BlockTokens(id), piece)) {
      break;
    }
    chain.push_back(id);
    parent = id;
  }
  return chain;
}

void KvCache::UpdateEvictableLocked(int32_t id) {
  Block& block = blocks_[id];
  const bool evictable = block.cached && block.refs == 0 && block.pins == 0;
  if (evictable && !block.in_lru) lru_.emplace(block.last_used, id);
  if (!evictable && block.in_lru) lru_.erase({block.last_used, id});
  block.in_lru = evictable;
}

void KvCache::TouchLocked(const std::vector<int32_t>& chain) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    Block& block = blocks_[*it];
    if (block.in_lru) lru_.erase({block.last_used, *it});
    block.in_lru = false;
    block.last_used = ++clock_;
    UpdateEvictableLocked(*it);
  }
}

void KvCache::EvictLocked(int32_t id) {
  Block& block = blocks_[id];
  if (block.in_lru) lru_.erase({block.last_used, id});
  auto it = index_.find(block.key);
  if (it != index_.end() && it->second == id) index_.erase(it);
  block = Block{};
  free_.push_back(id);
  counters_.evictions++;
}

int32_t KvCache::TakeBlockLocked() {
  if (free_.empty()) {
    if (lru_.empty()) return -1;
    EvictLocked(lru_.begin()->second);
  }
  int32_t id = free_.back();
  free_.pop_back();
  return id;
}

void KvCache::FillLocked(int32_t id, int32_t parent, uint64_t key,
                         std::span<const int32_t> tokens) {
  Block& block = blocks_[id];
  block.cached = true;
  block.reserved = false;
  block.parent = parent;
  block.key = key;
  std::copy(tokens.begin(), tokens.end(),
            tokens_.begin() + size_t(id) * geometry_.block_tokens);
  // A 64-bit key already taken by other content: the block keeps its KV
  // but cannot be found, which costs a recompute and never a wrong answer.
  index_.emplace(key, id);
  counters_.stored_blocks++;
}

Lease KvCache::Lookup(std::span<const int32_t> tokens, int64_t max_blocks) {
  std::lock_guard lock(mutex_);
  Lease lease;
  lease.blocks = MatchLocked(tokens, max_blocks);
  for (int32_t id : lease.blocks) {
    blocks_[id].refs++;
    UpdateEvictableLocked(id);
  }
  TouchLocked(lease.blocks);
  lease.tokens = int64_t(lease.blocks.size()) * geometry_.block_tokens;
  return lease;
}

void KvCache::CopyOut(const Lease& lease, const PastView& past) const {
  for (size_t i = 0; i < lease.blocks.size(); ++i) {
    CopyBlockToPast(geometry_, BlockMemory(lease.blocks[i]), int64_t(i), past);
  }
}

void KvCache::Release(Lease& lease) {
  std::lock_guard lock(mutex_);
  for (int32_t id : lease.blocks) {
    blocks_[id].refs--;
    UpdateEvictableLocked(id);
  }
  lease.blocks.clear();
  lease.tokens = 0;
}

void KvCache::RecordPrompt(const Lease& lease, int64_t prompt_tokens,
                           const std::string& named_region) {
  std::lock_guard lock(mutex_);
  counters_.hit_tokens += uint64_t(lease.tokens);
  counters_.miss_tokens += uint64_t(prompt_tokens - lease.tokens);
  for (auto& [name, region] : regions_) {
    size_t shared = 0;
    while (shared < region.chain.size() && shared < lease.blocks.size() &&
           region.chain[shared] == lease.blocks[shared]) {
      ++shared;
    }
    if (shared == 0 && name != named_region) continue;
    region.info.requests++;
    region.info.prompt_tokens += uint64_t(prompt_tokens);
    region.info.hit_tokens += shared * geometry_.block_tokens;
    region.last_used = ++clock_;
  }
}

bool KvCache::Store(std::span<const int32_t> tokens, int64_t blocks,
                    const BlockSource& source, const std::string& region) {
  const size_t n = size_t(geometry_.block_tokens);
  blocks = std::min<int64_t>(blocks, int64_t(tokens.size() / n));
  std::lock_guard lock(mutex_);
  auto named = regions_.find(region);
  RegionState* owner = named == regions_.end() ? nullptr : &named->second;
  std::vector<int32_t> chain;
  bool grew = false;
  uint64_t key = 0;
  int32_t parent = -1;
  for (int64_t i = 0; i < blocks; ++i) {
    auto piece = tokens.subspan(size_t(i) * n, n);
    key = ChainKey(key, piece);
    int32_t id = -1;
    const bool extends_region =
        owner != nullptr && !owner->spare.empty() && owner->chain == chain;
    if (auto it = index_.find(key); it != index_.end()) {
      id = it->second;
      if (blocks_[id].parent != parent || !SameTokens(BlockTokens(id), piece)) {
        break;  // the key belongs to other content; see FillLocked
      }
      if (extends_region) {
        // Cached already (by a request outside the region, say): the
        // region adopts the block and gives back a reserved one.
        if (blocks_[id].pins++ == 0) pinned_blocks_++;
        const int32_t spare = owner->spare.back();
        owner->spare.pop_back();
        blocks_[spare] = Block{};
        pinned_blocks_--;
        free_.push_back(spare);
        owner->chain.push_back(id);
        grew = true;
      }
    } else {
      if (extends_region) {
        id = owner->spare.back();
        owner->spare.pop_back();
      } else {
        id = TakeBlockLocked();
        if (id < 0) break;  // nothing evictable: keep what is stored
      }
      source(i, BlockMemory(id));
      FillLocked(id, parent, key, piece);
      if (extends_region) {
        blocks_[id].pins = 1;  // still the region's, now with content
        owner->chain.push_back(id);
        grew = true;
      }
    }
    // Held while the chain is built, so making room for a later block
    // never evicts the parent it hangs from.
    blocks_[id].refs++;
    UpdateEvictableLocked(id);
    chain.push_back(id);
    parent = id;
  }
  for (int32_t id : chain) {
    blocks_[id].refs--;
    UpdateEvictableLocked(id);
  }
  TouchLocked(chain);
  return grew;
}

StatusOr<PinOutcome> KvCache::Pin(const PinRequest& request,
                                  const BlockSource& source) {
  const size_t n = size_t(geometry_.block_tokens);
  const int64_t full = int64_t(request.tokens.size() / n);
  std::lock_guard lock(mutex_);
  if (auto it = regions_.find(request.region); it != regions_.end()) {
    RegionState& region = it->second;
    // Reserved is counted from the blocks held: region.info's field is
    // only filled in the copies InfoLocked() makes.
    bool same = int64_t(region.chain.size()) == full &&
                int64_t(region.chain.size() + region.spare.size()) ==
                    request.reserved_blocks;
    for (int64_t i = 0; same && i < full; ++i) {
      same = SameTokens(BlockTokens(region.chain[i]),
                        std::span(request.tokens).subspan(size_t(i) * n, n));
    }
    if (!same) {
      return Status(ErrorKind::kConflict, "region_exists",
                    "region '" + request.region +
                        "' is pinned with other content or size; DELETE "
                        "/kv/pin/" +
                        request.region + " first");
    }
    const bool changed = region.info.priority != request.priority;
    region.info.priority = request.priority;
    return PinOutcome{InfoLocked(region), false, {}, changed};
  }

  const std::vector<int32_t> reuse = MatchLocked(request.tokens, full);
  const std::unordered_set<int32_t> reused(reuse.begin(), reuse.end());
  const int64_t need = request.reserved_blocks - int64_t(reuse.size());
  int64_t available = int64_t(free_.size()) + EvictableCountLocked();
  for (int32_t id : reuse) available -= blocks_[id].in_lru ? 1 : 0;
  // Blocks pinned once this pin holds `reuse` too, given how many of each
  // block's pins the victims release.
  std::unordered_map<int32_t, int> released;
  int64_t freed_pins = 0;
  auto pinned_after = [&] {
    int64_t pinned = pinned_blocks_ - freed_pins + need;
    for (int32_t id : reuse) {
      if (blocks_[id].pins - released[id] == 0) ++pinned;
    }
    return pinned;
  };
  auto fits = [&] {
    return available >= need && pinned_after() <= max_pinned_blocks_;
  };

  std::vector<std::string> victims;
  if (!fits() && request.force) {
    std::vector<RegionState*> candidates;
    for (auto& [name, region] : regions_) {
      if (region.info.priority < request.priority) {
        candidates.push_back(&region);
      }
    }
    std::sort(candidates.begin(), candidates.end(), [](auto* a, auto* b) {
      return std::pair(a->info.priority, a->last_used) <
             std::pair(b->info.priority, b->last_used);
    });
    for (RegionState* region : candidates) {
      if (fits()) break;
      victims.push_back(region->info.name);
      available += int64_t(region->spare.size());
      freed_pins += int64_t(region->spare.size());
      for (int32_t id : region->chain) {
        if (++released[id] < blocks_[id].pins) continue;
        ++freed_pins;
        if (blocks_[id].refs == 0 && !reused.count(id)) ++available;
      }
    }
  }
  if (!fits()) {
    if (pinned_after() > max_pinned_blocks_) {
      return NoRoom(
          "pins may hold " + std::to_string(max_pinned_blocks_) + " blocks (" +
          std::to_string(geometry_.kib(max_pinned_blocks_)) +
          " KiB, kv.max_pinned_fraction of the pool); this pin "
          "would make it " +
          std::to_string(pinned_after()) + "; unpin a region or pin less");
    }
    return NoRoom("the pin needs " + std::to_string(need) + " more blocks (" +
                  std::to_string(geometry_.kib(need)) + " KiB) but only " +
                  std::to_string(available) + " are free or evictable" +
                  (request.force
                       ? " even after evicting every region of lower priority"
                       : "; retry with \"force\": true to evict regions of "
                         "lower priority"));
  }

  PinOutcome outcome;
  outcome.evicted_regions = victims;
  for (const std::string& name : victims) {
    DropRegionLocked(regions_.at(name));
    regions_.erase(name);
  }
  RegionState region;
  region.info.name = request.region;
  region.info.priority = request.priority;
  for (int32_t id : reuse) {
    if (blocks_[id].pins++ == 0) pinned_blocks_++;
    UpdateEvictableLocked(id);
    region.chain.push_back(id);
  }
  uint64_t key = reuse.empty() ? 0 : blocks_[reuse.back()].key;
  for (int64_t i = int64_t(reuse.size()); i < full; ++i) {
    auto piece = std::span(request.tokens).subspan(size_t(i) * n, n);
    key = ChainKey(key, piece);
    const int32_t id = TakeBlockLocked();  // counted above: cannot fail
    source(i, BlockMemory(id));
    FillLocked(id, region.chain.empty() ? -1 : region.chain.back(), key, piece);
    blocks_[id].pins = 1;
    pinned_blocks_++;
    region.chain.push_back(id);
  }
  for (int64_t i = full; i < request.reserved_blocks; ++i) {
    const int32_t id = TakeBlockLocked();
    blocks_[id].reserved = true;
    blocks_[id].pins = 1;
    pinned_blocks_++;
    region.spare.push_back(id);
  }
  TouchLocked(region.chain);
  region.last_used = ++clock_;
  outcome.region = InfoLocked(region);
  regions_.emplace(request.region, std::move(region));
  return outcome;
}

void KvCache::DropRegionLocked(RegionState& region) {
  for (int32_t id : region.chain) {
    if (--blocks_[id].pins == 0) pinned_blocks_--;
    UpdateEvictableLocked(id);
  }
  TouchLocked(region.chain);
  for (int32_t id : region.spare) {
    blocks_[id] = Block{};
    pinned_blocks_--;
    free_.push_back(id);
  }
  region.chain.clear();
  region.spare.clear();
}

Status KvCache::Unpin(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = regions_.find(name);
  if (it == regions_.end()) {
    return Status(ErrorKind::kNotFound, "region_not_found",
                  "no pinned KV region named '" + name + "'");
  }
  DropRegionLocked(it->second);
  regions_.erase(it);
  return Status();
}

RegionInfo KvCache::InfoLocked(const RegionState& region) const {
  RegionInfo info = region.info;
  info.content_blocks = int64_t(region.chain.size());
  info.reserved_blocks = int64_t(region.chain.size() + region.spare.size());
  int32_t first = !region.chain.empty()   ? region.chain.front()
                  : !region.spare.empty() ? region.spare.front()
                                          : -1;
  info.base_address =
      first < 0 ? 0
                : kPoolBaseAddress + uint64_t(first) * geometry_.block_bytes();
  return info;
}

std::vector<RegionInfo> KvCache::Regions() const {
  std::lock_guard lock(mutex_);
  std::vector<RegionInfo> all;
  for (const auto& [name, region] : regions_) {
    all.push_back(InfoLocked(region));
  }
  return all;
}

std::optional<RegionInfo> KvCache::Region(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = regions_.find(name);
  if (it == regions_.end()) return std::nullopt;
  return InfoLocked(it->second);
}

std::optional<RegionContent> KvCache::Content(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = regions_.find(name);
  if (it == regions_.end()) return std::nullopt;
  RegionContent content;
  content.info = InfoLocked(it->second);
  const size_t floats = geometry_.floats_per_block();
  for (int32_t id : it->second.chain) {
    auto tokens = BlockTokens(id);
    content.tokens.insert(content.tokens.end(), tokens.begin(), tokens.end());
    const float* kv = BlockMemory(id);
    content.kv.insert(content.kv.end(), kv, kv + floats);
  }
  return content;
}

KvStats KvCache::Stats() const {
  std::lock_guard lock(mutex_);
  KvStats stats = counters_;
  stats.block_tokens = geometry_.block_tokens;
  stats.block_bytes = int64_t(geometry_.block_bytes());
  stats.blocks_total = total_blocks_;
  stats.blocks_free = int64_t(free_.size());
  for (const auto& [name, region] : regions_) {
    stats.blocks_reserved += int64_t(region.spare.size());
  }
  stats.blocks_cached =
      total_blocks_ - stats.blocks_free - stats.blocks_reserved;
  stats.blocks_pinned = pinned_blocks_;
  stats.blocks_evictable = int64_t(lru_.size());
  stats.regions = int64_t(regions_.size());
  return stats;
}

}  // namespace nymph::kv
