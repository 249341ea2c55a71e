#include "generation/prefix_cache.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "kv/region_file.h"

namespace nymph {
namespace {

namespace fs = std::filesystem;
constexpr const char* kRegionSuffix = ".kvregion";

kv::BlockSource FromSequence(const kv::KvGeometry& geometry,
                             CausalLm::Sequence& sequence) {
  return [&geometry, past = sequence.past_view()](int64_t index,
                                                  float* destination) {
    kv::CopyPastToBlock(geometry, past, index, destination);
  };
}

}  // namespace

PrefixCache::PrefixCache(const CausalLm& lm, int block_tokens,
                         const kv::KvSettings& settings, std::string region_dir,
                         std::string model_sha256)
    : lm_(lm),
      cache_(lm.geometry(block_tokens), settings),
      region_dir_(std::move(region_dir)),
      model_sha256_(std::move(model_sha256)) {}

std::string PrefixCache::RegionPath(const std::string& region) const {
  // Region names are [A-Za-z0-9_.-]+ and never only dots; the suffix
  // keeps any name from naming a directory.
  return (fs::path(region_dir_) / (region + kRegionSuffix)).string();
}

void PrefixCache::RestoreRegions() {
  if (region_dir_.empty()) return;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(region_dir_, error)) {
    const fs::path path = entry.path();
    if (path.extension() != kRegionSuffix) continue;
    // The whole pool's KV and tokens, plus room for the header.
    const uintmax_t max_bytes =
        uintmax_t(cache_.total_blocks()) *
            (cache_.geometry().block_bytes() +
             cache_.geometry().block_tokens * sizeof(int64_t)) +
        (1u << 20);
    auto content = kv::ReadRegionFile(path.string(), cache_.geometry(),
                                      model_sha256_, max_bytes);
    if (!content.ok()) {
      spdlog::warn("kv: skipped region file: {}", content.status().message());
      continue;
    }
    if (content->info.name + kRegionSuffix != path.filename().string()) {
      spdlog::warn("kv: skipped region file {}: it holds region '{}'",
                   path.string(), content->info.name);
      continue;
    }
    kv::PinRequest request;
    request.region = content->info.name;
    request.tokens = content->tokens;
    request.reserved_blocks = content->info.reserved_blocks;
    request.priority = content->info.priority;
    const size_t floats = cache_.geometry().floats_per_block();
    auto pinned = cache_.Pin(request, [&](int64_t index, float* destination) {
      std::copy_n(content->kv.data() + size_t(index) * floats, floats,
                  destination);
    });
    if (!pinned.ok()) {
      spdlog::warn("kv: could not restore region '{}' from {}: {}",
                   request.region, path.string(), pinned.status().message());
      continue;
    }
    spdlog::info("kv: restored region '{}' ({} tokens, {} blocks reserved)",
                 request.region, request.tokens.size(),
                 request.reserved_blocks);
  }
}

CausalLm::Sequence PrefixCache::Begin(std::span<const int32_t> prompt,
                                      const std::string& region,
                                      int64_t& cached_tokens) {
  const int64_t usable_blocks =
      (int64_t(prompt.size()) - 1) / cache_.geometry().block_tokens;
  kv::Lease lease = cache_.Lookup(prompt, usable_blocks);
  cache_.RecordPrompt(lease, int64_t(prompt.size()), region);
  CausalLm::Sequence sequence = lm_.NewSequence(lease.tokens);
  cache_.CopyOut(lease, sequence.past_view());
  cached_tokens = lease.tokens;
  cache_.Release(lease);
  return sequence;
}

void PrefixCache::Finish(std::span<const int32_t> tokens,
                         CausalLm::Sequence& sequence,
                         const std::string& region) {
  const int64_t blocks = sequence.length() / cache_.geometry().block_tokens;
  if (cache_.Store(tokens, blocks, FromSequence(cache_.geometry(), sequence),
                   region)) {
    Persist(region);
  }
}

StatusOr<kv::PinOutcome> PrefixCache::Pin(const kv::PinRequest& request) {
  const int64_t block_tokens = cache_.geometry().block_tokens;
  const int64_t full = int64_t(request.tokens.size()) / block_tokens;
  // The content's full blocks: copied from the cache where it has them,
  // computed where not. A partial last block is not kept: only whole
  // blocks can be matched.
  kv::Lease lease = cache_.Lookup(request.tokens, full);
  CausalLm::Sequence sequence = lm_.NewSequence(lease.tokens);
  cache_.CopyOut(lease, sequence.past_view());
  cache_.Release(lease);
  if (sequence.length() < full * block_tokens) {
    auto rest = std::span(request.tokens)
                    .subspan(size_t(sequence.length()),
                             size_t(full * block_tokens - sequence.length()));
    auto logits = lm_.Forward(sequence, rest);
    if (!logits.ok()) return logits.status();
  }
  auto outcome = cache_.Pin(request, FromSequence(cache_.geometry(), sequence));
  if (!outcome.ok()) return outcome;
  for (const std::string& victim : outcome->evicted_regions) {
    spdlog::info("kv: region '{}' evicted by the forced pin of '{}'", victim,
                 request.region);
    RemoveRegionFile(victim);
  }
  if (outcome->changed) Persist(request.region);
  return outcome;
}

Status PrefixCache::Unpin(const std::string& region) {
  Status status = cache_.Unpin(region);
  if (status.ok()) RemoveRegionFile(region);
  return status;
}

void PrefixCache::RemoveRegionFile(const std::string& region) {
  if (region_dir_.empty()) return;
  std::lock_guard lock(persist_mutex_);
  // Pinned again since it was dropped: the file is the new pin's, written
  // (or about to be) by its Persist under this lock.
  if (cache_.Region(region)) return;
  std::error_code error;
  fs::remove(RegionPath(region), error);
  if (error) {
    spdlog::warn(
        "kv: region '{}' is unpinned but its file {} stays ({}); it "
        "would be pinned again at the next start",
        region, RegionPath(region), error.message());
  }
}

void PrefixCache::Persist(const std::string& region) {
  if (region_dir_.empty()) return;
  std::lock_guard lock(persist_mutex_);
  // Taken under the file lock, so a later snapshot is never overwritten by
  // an earlier one.
  auto content = cache_.Content(region);
  if (!content) return;  // unpinned meanwhile
  std::error_code error;
  fs::create_directories(region_dir_, error);
  Status written = kv::WriteRegionFile(RegionPath(region), *content,
                                       cache_.geometry(), model_sha256_);
  if (!written.ok()) {
    spdlog::error("kv: region '{}' is pinned but not saved: {}", region,
                  written.message());
  }
}

}  // namespace nymph
