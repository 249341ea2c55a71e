#include "kv/region_file.h"

#include <openssl/sha.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace nymph::kv {
namespace {

constexpr char kMagic[8] = {'N', 'Y', 'M', 'P', 'H', 'K', 'V', '1'};

Status IoError(const std::string& path, const std::string& what) {
  return Status(ErrorKind::kInternal, "kv_persist_failed",
                path + ": " + what + ": " + std::strerror(errno));
}

Status Corrupt(const std::string& path, const std::string& why) {
  return Status(ErrorKind::kUnprocessable, "kv_region_file_invalid",
                path + ": " + why);
}

template <typename T>
void Append(std::string& out, const T* data, size_t count) {
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

}  // namespace

Status WriteRegionFile(const std::string& path, const RegionContent& content,
                       const KvGeometry& geometry,
                       const std::string& model_sha256) {
  nlohmann::json header = {{"model_sha256", model_sha256},
                           {"region", content.info.name},
                           {"priority", content.info.priority},
                           {"reserved_blocks", content.info.reserved_blocks},
                           {"content_blocks", content.info.content_blocks},
                           {"block_tokens", geometry.block_tokens},
                           {"layers", geometry.layers},
                           {"kv_heads", geometry.kv_heads},
                           {"head_dim", geometry.head_dim}};
  const std::string text = header.dump();
  const uint32_t header_length = uint32_t(text.size());
  std::string bytes(kMagic, sizeof kMagic);
  Append(bytes, &header_length, 1);  // the targets are little-endian
  bytes += text;
  Append(bytes, content.tokens.data(), content.tokens.size());
  Append(bytes, content.kv.data(), content.kv.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  Append(bytes, digest, sizeof digest);

  // 0600: the KV is the prompt's content in another form.
  return WriteFileAtomically(path, {bytes}, 0600);
}

StatusOr<RegionContent> ReadRegionFile(const std::string& path,
                                       const KvGeometry& geometry,
                                       const std::string& model_sha256,
                                       uintmax_t max_bytes) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) return IoError(path, "cannot read its status");
  if (!std::filesystem::is_regular_file(status)) {
    return Corrupt(path, "not a regular file");
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return IoError(path, "cannot read its size");
  if (size > max_bytes) {
    return Corrupt(path, "larger (" + std::to_string(size) +
                             " bytes) than the KV pool could hold");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path, "cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  const size_t fixed = sizeof kMagic + 4 + SHA256_DIGEST_LENGTH;
  if (bytes.size() < fixed) return Corrupt(path, "truncated");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Corrupt(path, "not a Nymph KV region file");
  }
  const size_t body = bytes.size() - SHA256_DIGEST_LENGTH;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), body, digest);
  if (std::memcmp(digest, bytes.data() + body, sizeof digest) != 0) {
    return Corrupt(path, "checksum mismatch (truncated or corrupted)");
  }
  uint32_t header_length = 0;
  std::memcpy(&header_length, bytes.data() + sizeof kMagic, 4);
  size_t at = sizeof kMagic + 4;
  if (header_length > body - at) return Corrupt(path, "header runs past end");
  nlohmann::json header = nlohmann::json::parse(
      bytes.begin() + at, bytes.begin() + at + header_length, nullptr, false);
  at += header_length;
  if (!header.is_object()) return Corrupt(path, "header is not JSON");
  try {
    if (header.at("model_sha256").get<std::string>() != model_sha256) {
      return Corrupt(path, "written for another model (SHA-256 " +
                               header.at("model_sha256").get<std::string>() +
                               ")");
    }
    if (header.at("block_tokens").get<int>() != geometry.block_tokens ||
        header.at("layers").get<int>() != geometry.layers ||
        header.at("kv_heads").get<int>() != geometry.kv_heads ||
        header.at("head_dim").get<int>() != geometry.head_dim) {
      return Corrupt(path, "written with another block geometry");
    }
    RegionContent content;
    content.info.name = header.at("region").get<std::string>();
    content.info.priority = header.at("priority").get<int>();
    content.info.reserved_blocks = header.at("reserved_blocks").get<int64_t>();
    content.info.content_blocks = header.at("content_blocks").get<int64_t>();
    const int64_t blocks = content.info.content_blocks;
    if (blocks < 0 || content.info.reserved_blocks < blocks) {
      return Corrupt(path, "inconsistent block counts");
    }
    const size_t tokens = size_t(blocks) * geometry.block_tokens;
    const size_t floats = size_t(blocks) * geometry.floats_per_block();
    if (body - at != tokens * 4 + floats * 4) {
      return Corrupt(path, "size does not match its header");
    }
    content.tokens.resize(tokens);
    std::memcpy(content.tokens.data(), bytes.data() + at, tokens * 4);
    content.kv.resize(floats);
    std::memcpy(content.kv.data(), bytes.data() + at + tokens * 4, floats * 4);
    return content;
  } catch (const nlohmann::json::exception& e) {
    return Corrupt(path, std::string("bad header: ") + e.what());
  }
}

}  // namespace nymph::kv
