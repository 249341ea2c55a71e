// A pinned region on disk, so that it survives a restart:
//
//   "NYMPHKV1"  magic
//   u32 LE      length of the JSON header that follows
//   JSON        model_sha256, region, priority, reserved_blocks,
//               block_tokens, layers, kv_heads, head_dim, content_blocks
//   int32 LE    content_blocks * block_tokens tokens
//   float32 LE  content_blocks * floats_per_block keys and values
//   32 bytes    SHA-256 of everything above
//
// Written to a temporary file, fsynced and renamed, so a crash leaves the
// old file or the new one. A file that is truncated, fails its checksum or
// belongs to another model or geometry is refused whole.
#pragma once

#include <string>

#include "common/status.h"
#include "kv/kv_cache.h"

namespace nymph::kv {

Status WriteRegionFile(const std::string& path, const RegionContent& content,
                       const KvGeometry& geometry,
                       const std::string& model_sha256);

// Refuses, unread, anything but a regular file of at most `max_bytes`
// (a directory, a device, a file larger than the pool could hold).
StatusOr<RegionContent> ReadRegionFile(const std::string& path,
                                       const KvGeometry& geometry,
                                       const std::string& model_sha256,
                                       uintmax_t max_bytes);

}  // namespace nymph::kv
