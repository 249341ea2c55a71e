// The KV cache as generation uses it: start a sequence from the longest
// cached prefix of its prompt, give its blocks back when it ends, pin
// regions (computing their KV with the model) and keep pinned regions on
// disk, one file per region under the model's directory in the state dir.
//
// Thread safety: all methods may be called concurrently; the KvCache does
// the locking, and files are written one at a time.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "common/status.h"
#include "generation/causal_lm.h"
#include "kv/kv_cache.h"

namespace nymph {

class PrefixCache {
 public:
  // `lm` must outlive this. `region_dir` empty: regions are not persisted.
  PrefixCache(const CausalLm& lm, int block_tokens,
              const kv::KvSettings& settings, std::string region_dir,
              std::string model_sha256);

  kv::KvCache& cache() { return cache_; }
  const kv::KvCache& cache() const { return cache_; }

  // Pins every region file of `region_dir` written for this model; a file
  // that cannot be used is logged with its reason and left in place.
  void RestoreRegions();

  // A sequence holding the cached part of `prompt`, always leaving at
  // least one token to compute (its logits start the generation). Counts
  // the prompt's hits and misses. `cached_tokens` receives the hit count.
  CausalLm::Sequence Begin(std::span<const int32_t> prompt,
                           const std::string& region, int64_t& cached_tokens);
  // Caches the full blocks of `tokens`, whose KV `sequence` holds.
  void Finish(std::span<const int32_t> tokens, CausalLm::Sequence& sequence,
              const std::string& region);

  // Computes what is not cached yet of the region's content and pins it.
  StatusOr<kv::PinOutcome> Pin(const kv::PinRequest& request);
  Status Unpin(const std::string& region);

 private:
  std::string RegionPath(const std::string& region) const;
  void Persist(const std::string& region);
  // Removes an unpinned region's file, unless the name is pinned again.
  void RemoveRegionFile(const std::string& region);

  const CausalLm& lm_;
  kv::KvCache cache_;
  const std::string region_dir_;
  const std::string model_sha256_;
  std::mutex persist_mutex_;  // one file write at a time, newest last
};

}  // namespace nymph
