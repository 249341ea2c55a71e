// The paged KV cache end to end (SPEC §2 "KV pinning") on the bundled
// byte-level model: pins and their arithmetic, cached prompt tokens, hit
// rates, eviction under pressure, persistence across restarts, bad input
// and concurrent use. Every expected figure is worked out here from the
// model's shape and the request's bytes, never read back from the API
// under test.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "support/daemon.h"
#include "support/http.h"

namespace nymph::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// kjv-gqa's shape (models/kjv-gqa.json): 4 layers, 2 KV heads of 32,
// float32 keys and values; its tokenizer makes one token of each byte.
constexpr int64_t kLayers = 4;
constexpr int64_t kKvHeads = 2;
constexpr int64_t kHeadDim = 32;
constexpr int64_t kBytesPerToken = kLayers * kKvHeads * kHeadDim * 2 * 4;
constexpr int64_t kBlockTokens = 16;  // [kv] block_tokens default
constexpr int64_t kBlockBytes = kBytesPerToken * kBlockTokens;
constexpr int64_t kBlockKb = kBlockBytes / 1024;
constexpr uint64_t kPoolBase = 0x100000;  // SPEC: pool base
constexpr const char* kModel = "kjv-gqa";

// Tokens of `bytes` that fill whole blocks: what a cache can hold of them.
int64_t FullBlockTokens(int64_t bytes) {
  return bytes / kBlockTokens * kBlockTokens;
}

// Blocks reserved for `kb` KiB: rounded up to whole blocks.
int64_t BlocksForKb(int64_t kb) { return (kb + kBlockKb - 1) / kBlockKb; }

// KJV-like text of exactly `bytes` bytes starting with `lead`: texts with
// different leads share no block, since the first block differs.
std::string Text(const std::string& lead, size_t bytes) {
  static const std::string verses =
      "In the beginning God created the heaven and the earth. And the "
      "earth was without form, and void; and darkness was upon the face of "
      "the deep. And the Spirit of God moved upon the face of the waters. "
      "And God said, Let there be light: and there was light. ";
  std::string text = lead;
  while (text.size() < bytes) text += verses;
  text.resize(bytes);
  return text;
}

std::string WriteConfig(const std::string& settings) {
  static std::atomic<int> count{0};
  std::string path = TestTempDir() + "/kv-" + std::to_string(count++) + ".toml";
  std::ofstream(path) << settings;
  return path;
}

// A daemon on the bundled models with the given config text, and the
// requests the tests make of it.
class KvDaemon {
 public:
  explicit KvDaemon(const std::string& config, const std::string& state = "")
      : daemon_({BundledModelsDir(),
                 false,
                 {"--config", WriteConfig(config)},
                 {},
                 state}) {}

  bool Start() {
    if (!daemon_.Start()) return false;
    client_ = daemon_.Client();
    return true;
  }
  Daemon& daemon() { return daemon_; }

  Reply Get(const std::string& path) { return Send(*client_, "GET", path); }
  Reply Delete(const std::string& region) {
    return Send(*client_, "DELETE", "/kv/pin/" + region);
  }
  Reply Pin(const json& body) { return PostJson(*client_, "/kv/pin", body); }
  Reply Complete(const std::string& prompt, int max_tokens,
                 json fields = json::object()) {
    fields["model"] = kModel;
    fields["prompt"] = prompt;
    fields["max_tokens"] = max_tokens;
    fields["temperature"] = 0;
    return PostJson(*client_, "/v1/completions", fields);
  }

  json Stats() {
    Reply reply = Get("/kv/stats");
    EXPECT_EQ(reply.status, 200) << reply.text;
    return reply.body;
  }
  json Regions() {
    Reply reply = Get("/kv/regions");
    EXPECT_EQ(reply.status, 200) << reply.text;
    return reply.body["regions"];
  }
  // The listed region named `name`, or null.
  json Region(const std::string& name) {
    for (const json& region : Regions()) {
      if (region["region"] == name) return region;
    }
    return nullptr;
  }
  std::set<std::string> RegionNames() {
    std::set<std::string> names;
    for (const json& region : Regions()) names.insert(region["region"]);
    return names;
  }
  // Everything the cache reports, to compare before and after.
  json Snapshot() { return {{"stats", Stats()}, {"regions", Regions()}}; }

 private:
  Daemon daemon_;
  std::unique_ptr<httplib::Client> client_;
};

int64_t CachedTokens(const Reply& reply) {
  return reply.body["usage"]["prompt_tokens_details"]["cached_tokens"];
}
std::string TextOf(const Reply& reply) {
  return reply.body["choices"][0]["text"];
}
// SPEC's error body {"error": {"code", "message"}}; "" if it is not one.
std::string ErrorMessage(const Reply& reply) {
  const json& body = reply.body;
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"].value("message", "");
}

// used + free = capacity, in KiB and in blocks, and the two agree.
void ExpectConsistent(const json& stats) {
  EXPECT_EQ(stats["used_kb"].get<int64_t>() + stats["free_kb"].get<int64_t>(),
            stats["capacity_kb"].get<int64_t>());
  const json& blocks = stats["blocks"];
  EXPECT_EQ(blocks["used"].get<int64_t>() + blocks["free"].get<int64_t>(),
            blocks["total"].get<int64_t>());
  EXPECT_EQ(blocks["total"].get<int64_t>() * kBlockKb,
            stats["capacity_kb"].get<int64_t>());
  EXPECT_EQ(blocks["used"].get<int64_t>() * kBlockKb,
            stats["used_kb"].get<int64_t>());
}

TEST(KvTest, Pin_ReservesWholeBlocksAtPoolAddresses) {
  KvDaemon kv("[kv]\ncapacity_mb = 64\n");
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  const int64_t capacity_kb = 64 * 1024;
  json fresh = kv.Stats();
  EXPECT_EQ(fresh["block_kb"], kBlockKb);
  EXPECT_EQ(fresh["block_tokens"], kBlockTokens);
  EXPECT_EQ(fresh["capacity_kb"], capacity_kb);
  EXPECT_EQ(fresh["blocks"]["total"], capacity_kb / kBlockKb);
  EXPECT_EQ(fresh["used_kb"], 0);
  ExpectConsistent(fresh);

  // 100 KiB is not a whole number of 32 KiB blocks: rounded up.
  const int64_t first_blocks = BlocksForKb(100);
  Reply first = kv.Pin({{"region", "reserve"}, {"size_kb", 100}});
  ASSERT_EQ(first.status, 201) << first.text;
  EXPECT_EQ(first.body["region"], "reserve");
  EXPECT_EQ(first.body["size_kb"], first_blocks * kBlockKb);
  EXPECT_EQ(first.body["hit_rate"], 0.0);
  EXPECT_EQ(first.body["stats"]["new_region"], 1.0);
  EXPECT_EQ(first.body["stats"]["base_address"], kPoolBase);
  EXPECT_EQ(first.body["stats"]["total_used_kb"], first_blocks * kBlockKb);
  EXPECT_EQ(first.body["stats"]["total_free_kb"],
            capacity_kb - first_blocks * kBlockKb);
  json after_first = kv.Stats();
  EXPECT_EQ(after_first["used_kb"], first_blocks * kBlockKb);
  EXPECT_EQ(after_first["blocks"]["used"], first_blocks);
  ExpectConsistent(after_first);

  // Content of 40 bytes: 2 full blocks and a partial one, all reserved,
  // placed right after the first region's blocks on a fresh pool.
  const std::string content = Text("R", 40);
  const int64_t content_blocks = (40 + kBlockTokens - 1) / kBlockTokens;
  Reply second = kv.Pin({{"region", "text"}, {"prompt", content}});
  ASSERT_EQ(second.status, 201) << second.text;
  EXPECT_EQ(second.body["size_kb"], content_blocks * kBlockKb);
  EXPECT_EQ(second.body["cached_tokens"], FullBlockTokens(40));
  EXPECT_EQ(second.body["stats"]["base_address"],
            kPoolBase + uint64_t(first_blocks * kBlockBytes));
  json after_second = kv.Stats();
  EXPECT_EQ(after_second["used_kb"].get<int64_t>() -
                after_first["used_kb"].get<int64_t>(),
            content_blocks * kBlockKb);
  ExpectConsistent(after_second);

  // The same pin again: not new, same place, nothing more used.
  Reply again = kv.Pin({{"region", "text"}, {"prompt", content}});
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["stats"]["new_region"], 0.0);
  EXPECT_EQ(again.body["stats"]["base_address"],
            second.body["stats"]["base_address"]);
  // Given as token ids (bytes, for this tokenizer): the same content.
  json ids = json::array();
  for (unsigned char byte : content) ids.push_back(int(byte));
  Reply as_tokens = kv.Pin({{"region", "text"}, {"tokens", ids}});
  ASSERT_EQ(as_tokens.status, 200) << as_tokens.text;
  EXPECT_EQ(as_tokens.body["stats"]["new_region"], 0.0);
  Reply size_again = kv.Pin({{"region", "reserve"}, {"size_kb", 100}});
  ASSERT_EQ(size_again.status, 200) << size_again.text;
  EXPECT_EQ(size_again.body["stats"]["new_region"], 0.0);
  EXPECT_EQ(kv.Stats(), after_second);

  // The same names with other content or size: 409, nothing changed.
  json before = kv.Snapshot();
  Reply other_text = kv.Pin({{"region", "text"}, {"prompt", Text("Q", 40)}});
  EXPECT_EQ(other_text.status, 409) << other_text.text;
  Reply other_size = kv.Pin({{"region", "reserve"}, {"size_kb", 200}});
  EXPECT_EQ(other_size.status, 409) << other_size.text;
  EXPECT_EQ(kv.Snapshot(), before);

  // Unpinning gives every block back.
  EXPECT_EQ(kv.Delete("reserve").status, 200);
  EXPECT_EQ(kv.Stats()["used_kb"].get<int64_t>(),
            after_second["used_kb"].get<int64_t>() - first_blocks * kBlockKb);
  EXPECT_EQ(kv.RegionNames(), std::set<std::string>{"text"});
}

TEST(KvTest, PinnedPrefix_IsServedFromCache_AndChangesNoOutput) {
  KvDaemon cached("[kv]\ncapacity_mb = 64\n");
  KvDaemon uncached("[kv]\ncapacity_mb = 0\n");
  ASSERT_TRUE(cached.Start()) << cached.daemon().log();
  ASSERT_TRUE(uncached.Start()) << uncached.daemon().log();

  const std::string context = Text("Genesis: ", 150);
  ASSERT_EQ(cached.Pin({{"region", "genesis"}, {"prompt", context}}).status,
            201);
  const std::vector<std::string> prompts = {
      context + " And God saw the light",
      context + " And the evening and the morning",
  };
  for (const std::string& prompt : prompts) {
    Reply off = uncached.Complete(prompt, 12);
    ASSERT_EQ(off.status, 200) << off.text;
    EXPECT_EQ(CachedTokens(off), 0);

    Reply hit = cached.Complete(prompt, 12);
    ASSERT_EQ(hit.status, 200) << hit.text;
    EXPECT_EQ(CachedTokens(hit), FullBlockTokens(150));
    EXPECT_EQ(TextOf(hit), TextOf(off)) << prompt;

    // The first request cached its own prompt and the tokens it fed back
    // (all but the last generated): the same prompt again is served but
    // for its last token, which starts the generation.
    Reply repeat = cached.Complete(prompt, 12);
    ASSERT_EQ(repeat.status, 200) << repeat.text;
    const int64_t length = int64_t(prompt.size());
    EXPECT_EQ(CachedTokens(repeat), FullBlockTokens(length - 1));
    EXPECT_EQ(TextOf(repeat), TextOf(off)) << prompt;

    Reply named = cached.Complete(prompt, 12, {{"kv_region", "genesis"}});
    ASSERT_EQ(named.status, 200) << named.text;
    EXPECT_EQ(TextOf(named), TextOf(off)) << prompt;
  }

  // Without a cache there is nothing to pin or report.
  EXPECT_EQ(uncached.Get("/kv/stats").status, 404);
  EXPECT_EQ(uncached.Pin({{"region", "genesis"}, {"prompt", context}}).status,
            404);
  EXPECT_EQ(uncached.Complete(prompts[0], 4, {{"kv_region", "genesis"}}).status,
            404);
}

TEST(KvTest, HitRate_IsServedOverMatchedPromptTokens) {
  KvDaemon kv("[kv]\ncapacity_mb = 64\n");
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  const int64_t P = 100, S = 20, k = 3;
  const std::string prefix = Text("Exodus: ", size_t(P));
  ASSERT_EQ(kv.Pin({{"region", "exodus"}, {"prompt", prefix}}).status, 201);
  const json before = kv.Stats();
  for (int64_t i = 0; i < k; ++i) {
    // Different first bytes: no suffix shares the block after the prefix.
    std::string suffix = Text(std::string(1, char('a' + i)), size_t(S));
    Reply reply = kv.Complete(prefix + suffix, 4);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(CachedTokens(reply), FullBlockTokens(P));
  }
  const int64_t hits = k * FullBlockTokens(P);
  const int64_t prompt_tokens = k * (P + S);
  const double expected = double(hits) / double(prompt_tokens);

  json region = kv.Region("exodus");
  EXPECT_EQ(region["requests"], k);
  EXPECT_EQ(region["prompt_tokens"], prompt_tokens);
  EXPECT_EQ(region["hit_tokens"], hits);
  EXPECT_DOUBLE_EQ(region["hit_rate"].get<double>(), expected);
  Reply repin = kv.Pin({{"region", "exodus"}, {"prompt", prefix}});
  ASSERT_EQ(repin.status, 200) << repin.text;
  EXPECT_DOUBLE_EQ(repin.body["hit_rate"].get<double>(), expected);

  const json after = kv.Stats();
  EXPECT_EQ(
      after["hit_tokens"].get<int64_t>() - before["hit_tokens"].get<int64_t>(),
      hits);
  EXPECT_EQ(after["miss_tokens"].get<int64_t>() -
                before["miss_tokens"].get<int64_t>(),
            prompt_tokens - hits);
}

// 1 MiB of 32 KiB blocks: 32 blocks, of which pins may hold half.
const char* kSmallPool = "[kv]\ncapacity_mb = 1\nmax_pinned_fraction = 0.5\n";
constexpr int64_t kSmallBlocks = 1024 / kBlockKb;
constexpr int64_t kSmallPinnable = kSmallBlocks / 2;

TEST(KvTest, Pressure_EvictsLeastRecentlyUsedPrefixesLeavesFirst) {
  KvDaemon kv(kSmallPool);
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  // Prompts of 10 whole blocks; one token generated, so each request
  // caches exactly its prompt's blocks.
  const int64_t blocks = 10, length = blocks * kBlockTokens;
  auto prompt = [&](const char* lead) { return Text(lead, size_t(length)); };
  auto cached = [&](const char* lead) {
    Reply reply = kv.Complete(prompt(lead), 1);
    EXPECT_EQ(reply.status, 200) << reply.text;
    return CachedTokens(reply);
  };
  // The most a repeated prompt is served: all but its last token.
  const int64_t all_but_last = FullBlockTokens(length - 1);

  EXPECT_EQ(cached("A"), 0);
  EXPECT_EQ(cached("B"), 0);
  EXPECT_EQ(cached("C"), 0);
  json full = kv.Stats();
  EXPECT_EQ(full["blocks"]["cached"], 3 * blocks);
  EXPECT_EQ(full["blocks"]["free"], kSmallBlocks - 3 * blocks);
  EXPECT_EQ(full["evictions"], 0);

  // A used again: B is now the least recent. D needs 10 blocks, 2 are
  // free: 8 of B's go, its last blocks first.
  EXPECT_EQ(cached("A"), all_but_last);
  EXPECT_EQ(cached("D"), 0);
  const int64_t evicted = blocks - (kSmallBlocks - 3 * blocks);
  EXPECT_EQ(kv.Stats()["evictions"], evicted);
  EXPECT_EQ(cached("C"), all_but_last);
  EXPECT_EQ(cached("A"), all_but_last);
  EXPECT_EQ(kv.Stats()["evictions"], evicted);
  EXPECT_EQ(cached("B"), (blocks - evicted) * kBlockTokens);
  // B took back its 8 blocks from D, now the least recent.
  EXPECT_EQ(kv.Stats()["evictions"], 2 * evicted);
  EXPECT_EQ(cached("D"), (blocks - evicted) * kBlockTokens);
  ExpectConsistent(kv.Stats());
}

TEST(KvTest, Pressure_LeavesPinnedRegionsInPlace) {
  KvDaemon kv(kSmallPool);
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  const std::string kept = Text("Psalm: ", 4 * kBlockTokens);
  ASSERT_EQ(kv.Pin({{"region", "psalm"}, {"prompt", kept}}).status, 201);
  // Five prompts of 10 blocks through a pool with 28 unpinned blocks.
  for (const char* lead : {"A", "B", "C", "D", "E"}) {
    ASSERT_EQ(kv.Complete(Text(lead, 10 * kBlockTokens), 1).status, 200);
  }
  json stats = kv.Stats();
  EXPECT_GT(stats["evictions"].get<int64_t>(), 0);
  EXPECT_EQ(stats["blocks"]["pinned"], 4);
  json region = kv.Region("psalm");
  ASSERT_FALSE(region.is_null());
  EXPECT_EQ(region["cached_tokens"], 4 * kBlockTokens);
  Reply reply = kv.Complete(kept + " O LORD", 2);
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(CachedTokens(reply), 4 * kBlockTokens);
}

TEST(KvTest, ForcedPin_EvictsOnlyStrictlyLowerPriority) {
  KvDaemon kv(kSmallPool);
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  const std::string dir = kv.daemon().state_dir() + "/kv/" + kModel;
  const int64_t half = kSmallPinnable / 2;
  auto pin = [&](const std::string& name, int64_t blocks, int priority,
                 bool force) {
    return kv.Pin({{"region", name},
                   {"size_kb", blocks * kBlockKb},
                   {"priority", priority},
                   {"force", force}});
  };
  ASSERT_EQ(pin("low", half, 1, false).status, 201);
  ASSERT_EQ(pin("high", half, 3, false).status, 201);
  EXPECT_EQ(kv.Stats()["blocks"]["pinned"], kSmallPinnable);

  // Pins hold all they may. Refused (507) and nothing changed: without
  // force, and with force below or equal to every region.
  const json full = kv.Snapshot();
  struct Refused {
    int priority;
    bool force;
  };
  for (Refused refused :
       {Refused{9, false}, Refused{0, true}, Refused{1, true}}) {
    Reply reply = pin("extra", 1, refused.priority, refused.force);
    EXPECT_EQ(reply.status, 507) << reply.text;
    EXPECT_NE(ErrorMessage(reply), "") << reply.text;
    EXPECT_EQ(kv.Snapshot(), full);
  }
  // With content to compute first: refused all the same.
  Reply with_text = kv.Pin({{"region", "extra"},
                            {"prompt", Text("Job: ", 3 * kBlockTokens)},
                            {"force", true},
                            {"priority", 1}});
  EXPECT_EQ(with_text.status, 507) << with_text.text;
  EXPECT_EQ(kv.Snapshot(), full);

  // Above "low" only: "low" goes, "high" stays.
  Reply above_low = pin("mid", 1, 2, true);
  ASSERT_EQ(above_low.status, 201) << above_low.text;
  EXPECT_EQ(above_low.body["evicted_regions"], json::array({"low"}));
  EXPECT_EQ(kv.RegionNames(), (std::set<std::string>{"high", "mid"}));
  EXPECT_FALSE(fs::exists(dir + "/low.kvregion"));
  EXPECT_TRUE(fs::exists(dir + "/high.kvregion"));

  // Equal to "high", above "mid": "mid" goes, "high" stays.
  Reply equal_high = pin("peer", half, 3, true);
  ASSERT_EQ(equal_high.status, 201) << equal_high.text;
  EXPECT_EQ(equal_high.body["evicted_regions"], json::array({"mid"}));
  EXPECT_EQ(kv.RegionNames(), (std::set<std::string>{"high", "peer"}));

  // Only equals left: refused.
  const json equals = kv.Snapshot();
  EXPECT_EQ(pin("extra", 1, 3, true).status, 507);
  EXPECT_EQ(kv.Snapshot(), equals);
  ExpectConsistent(kv.Stats());
}

// The parts of a region file (see src/kv/region_file.h for the layout).
struct RegionFile {
  std::string magic;
  json header;
  std::string payload;  // tokens, then keys and values
};

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

RegionFile ParseRegionFile(const std::string& bytes) {
  RegionFile file;
  file.magic = bytes.substr(0, 8);
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + 8, 4);
  file.header = json::parse(bytes.substr(12, length));
  file.payload = bytes.substr(12 + length, bytes.size() - 12 - length - 32);
  return file;
}

void WriteRegionFile(const std::string& path, const RegionFile& file) {
  std::string header = file.header.dump();
  uint32_t length = uint32_t(header.size());
  std::string bytes = file.magic;
  bytes.append(reinterpret_cast<const char*>(&length), 4);
  bytes += header + file.payload;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  bytes.append(reinterpret_cast<const char*>(digest), sizeof digest);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string ManifestSha256() {
  std::ifstream in(BundledModelsDir() + "/kjv-gqa.json");
  return json::parse(in)["sha256"];
}

TEST(KvTest, Restart_RestoresPinnedRegions_SkipsDamagedFiles) {
  const std::string state = TestTempDir() + "/restart-state";
  const std::string dir = state + "/kv/" + kModel;
  fs::remove_all(state);
  fs::create_directories(state);
  const char* config = "[kv]\ncapacity_mb = 16\n";
  const std::string kept = Text("Ruth: ", 100);
  const std::string prompt = kept + " And Naomi said";
  std::string before_text;
  {
    KvDaemon kv(config, state);
    ASSERT_TRUE(kv.Start()) << kv.daemon().log();
    ASSERT_EQ(kv.Pin({{"region", "ruth"},
                      {"prompt", kept},
                      {"size_kb", 10 * kBlockKb},
                      {"priority", 7}})
                  .status,
              201);
    // The same pin again with another priority: kept across the restart.
    Reply repin = kv.Pin({{"region", "ruth"},
                          {"prompt", kept},
                          {"size_kb", 10 * kBlockKb},
                          {"priority", 9}});
    ASSERT_EQ(repin.status, 200) << repin.text;
    EXPECT_EQ(kv.Region("ruth")["priority"], 9);
    for (const char* name : {"flipped", "truncated", "foreign"}) {
      ASSERT_EQ(kv.Pin({{"region", name}, {"prompt", Text(name, 64)}}).status,
                201);
    }
    Reply reply = kv.Complete(prompt, 8);
    ASSERT_EQ(reply.status, 200) << reply.text;
    before_text = TextOf(reply);
    EXPECT_EQ(kv.daemon().Stop(SIGTERM), 0) << kv.daemon().log();
  }

  // The file holds what the layout says: the content's full blocks.
  RegionFile ruth = ParseRegionFile(ReadBytes(dir + "/ruth.kvregion"));
  EXPECT_EQ(ruth.magic, "NYMPHKV1");
  EXPECT_EQ(ruth.header["model_sha256"], ManifestSha256());
  const int64_t tokens = FullBlockTokens(100);
  ASSERT_EQ(int64_t(ruth.payload.size()), tokens * 4 + tokens * kBytesPerToken);
  for (int64_t i = 0; i < tokens; ++i) {
    int32_t token = 0;
    std::memcpy(&token, ruth.payload.data() + 4 * i, 4);
    ASSERT_EQ(token, static_cast<unsigned char>(kept[size_t(i)])) << i;
  }

  // Damage three files: a byte flipped in the middle, one cut in half,
  // one rewritten (with a valid checksum) for another model's SHA-256.
  std::string flipped = ReadBytes(dir + "/flipped.kvregion");
  flipped[flipped.size() / 2] ^= 0x40;
  std::ofstream(dir + "/flipped.kvregion", std::ios::binary) << flipped;
  fs::resize_file(dir + "/truncated.kvregion",
                  fs::file_size(dir + "/truncated.kvregion") / 2);
  RegionFile foreign = ParseRegionFile(ReadBytes(dir + "/foreign.kvregion"));
  foreign.header["model_sha256"] = std::string(64, 'a');
  WriteRegionFile(dir + "/foreign.kvregion", foreign);

  KvDaemon kv(config, state);
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  EXPECT_EQ(kv.RegionNames(), std::set<std::string>{"ruth"});
  json region = kv.Region("ruth");
  EXPECT_EQ(region["priority"], 9);
  EXPECT_EQ(region["size_kb"], 10 * kBlockKb);
  EXPECT_EQ(region["cached_tokens"], tokens);
  Reply reply = kv.Complete(prompt, 8);
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(CachedTokens(reply), tokens);
  EXPECT_EQ(TextOf(reply), before_text);

  // Each skipped file is named in the log with its reason, and left there.
  const std::string log = kv.daemon().log();
  for (const char* name : {"flipped", "truncated", "foreign"}) {
    const std::string path = dir + "/" + name + ".kvregion";
    size_t at = log.find(path);
    ASSERT_NE(at, std::string::npos) << name << "\n" << log;
    std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_NE(line.find(name == std::string("foreign") ? "another model"
                                                       : "checksum"),
              std::string::npos)
        << line;
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_EQ(kv.daemon().Stop(SIGTERM), 0) << kv.daemon().log();
}

TEST(KvTest, BadInput_Is4xxWithAMessage_AndChangesNothing) {
  KvDaemon kv("[kv]\ncapacity_mb = 16\n");
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  const int64_t capacity_kb = 16 * 1024;
  ASSERT_EQ(
      kv.Pin({{"region", "psalms"}, {"prompt", Text("Psalms", 50)}}).status,
      201);
  const json before = kv.Snapshot();
  auto expect_refused = [&](const Reply& reply, int status,
                            const std::string& what) {
    EXPECT_EQ(reply.status, status) << what << ": " << reply.text;
    EXPECT_NE(ErrorMessage(reply), "") << what << ": " << reply.text;
  };

  struct Case {
    json body;
    int status;
  };
  const std::string prompt = "And God said";
  const std::vector<Case> pins = {
      {{{"size_kb", 32}}, 400},  // no region
      {{{"region", 5}, {"size_kb", 32}}, 400},
      {{{"region", "a/b"}, {"size_kb", 32}}, 422},
      {{{"region", ""}, {"size_kb", 32}}, 422},
      {{{"region", std::string(65, 'x')}, {"size_kb", 32}}, 422},
      {{{"region", "sp ace"}, {"size_kb", 32}}, 422},
      {{{"region", "r"}, {"size_kb", -32}}, 422},
      {{{"region", "r"}, {"size_kb", 0}}, 422},
      {{{"region", "r"}, {"size_kb", 1.5}}, 400},
      {{{"region", "r"}, {"size_kb", "32"}}, 400},
      {{{"region", "r"}, {"size_kb", 1e30}}, 400},
      {{{"region", "r"}, {"size_kb", uint64_t(1) << 62}}, 422},
      {{{"region", "r"}, {"size_kb", capacity_kb + kBlockKb}}, 422},
      {{{"region", "r"}, {"size_kb", 32}, {"force", "yes"}}, 400},
      {{{"region", "r"}, {"size_kb", 32}, {"force", 1}}, 400},
      {{{"region", "r"}, {"size_kb", 32}, {"priority", "high"}}, 400},
      {{{"region", "r"}, {"size_kb", 32}, {"priority", 1.5}}, 400},
      {{{"region", "r"}, {"prompt", 5}}, 400},
      {{{"region", "r"}, {"prompt", json::array({"a"})}}, 400},
      {{{"region", "r"}, {"tokens", "abc"}}, 400},
      {{{"region", "r"}, {"tokens", json::array({256})}}, 422},
      {{{"region", "r"}, {"tokens", json::array({-1})}}, 422},
      {{{"region", "r"}, {"tokens", json::array({1.5})}}, 422},
      {{{"region", "r"}, {"prompt", prompt}, {"tokens", json::array({65})}},
       422},
      {{{"region", "r"}, {"prompt", prompt}, {"colour", "red"}}, 400},
      // Nothing to cache or reserve.
      {{{"region", "r"}}, 422},
      {{{"region", "r"}, {"prompt", ""}}, 422},
      {{{"region", "r"}, {"tokens", json::array()}}, 422},
      {{{"region", "r"}, {"prompt", Text("Long", 1537)}}, 422},
      {{{"region", "r"}, {"prompt", Text("Big", 200)}, {"size_kb", 32}}, 422},
  };
  for (const Case& bad : pins) {
    expect_refused(kv.Pin(bad.body), bad.status, bad.body.dump());
  }
  for (const char* body : {"{", "[1]", "\"r\"", ""}) {
    expect_refused(Send(*kv.daemon().Client(), "POST", "/kv/pin", body,
                        {{"Content-Type", "application/json"}}),
                   400, body);
  }

  expect_refused(kv.Delete("nowhere"), 404, "DELETE unknown");
  Reply bad_name = kv.Delete("sp%20ace");
  EXPECT_GE(bad_name.status, 400);
  EXPECT_LT(bad_name.status, 500);
  expect_refused(kv.Complete(prompt, 4, {{"kv_region", "nowhere"}}), 404,
                 "unknown kv_region");
  expect_refused(kv.Complete(prompt, 4, {{"kv_region", "a/b"}}), 422,
                 "invalid kv_region");
  expect_refused(kv.Complete(prompt, 4, {{"kv_region", 5}}), 400,
                 "kv_region not a string");
  EXPECT_EQ(kv.Snapshot(), before);

  // The longest valid name is taken; unpinning it restores every count.
  const std::string longest(64, 'x');
  ASSERT_EQ(kv.Pin({{"region", longest}, {"size_kb", 32}}).status, 201);
  EXPECT_EQ(kv.Delete(longest).status, 200);
  EXPECT_EQ(kv.Snapshot(), before);
}

TEST(KvTest, ConcurrentPinsAndCompletions_StayConsistent) {
  KvDaemon kv("[kv]\ncapacity_mb = 64\n");
  ASSERT_TRUE(kv.Start()) << kv.daemon().log();
  // Prompts sharing a pinned prefix and, in pairs, longer prefixes.
  const std::string shared = Text("Proverbs: ", 70);
  ASSERT_EQ(kv.Pin({{"region", "proverbs"}, {"prompt", shared}}).status, 201);
  std::vector<std::string> prompts;
  for (char lead : {'a', 'b', 'c'}) {
    prompts.push_back(shared + Text(std::string(1, lead), 40));
    prompts.push_back(prompts.back() + " Hear, my son");
  }
  std::vector<std::string> solo;
  int64_t prompt_tokens = 0;
  for (const std::string& prompt : prompts) {
    Reply reply = kv.Complete(prompt, 6);
    ASSERT_EQ(reply.status, 200) << reply.text;
    solo.push_back(TextOf(reply));
    prompt_tokens += int64_t(prompt.size());
  }
  const json before = kv.Stats();

  // Two threads pin and unpin regions of their own; three run the prompts
  // again, each in another order.
  constexpr int kPinsPerThread = 8;
  std::mutex mutex;
  std::set<std::string> kept = {"proverbs"};
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    failures.push_back(what);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto client = kv.daemon().Client();
      for (int i = 0; i < kPinsPerThread; ++i) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        Reply pinned =
            PostJson(*client, "/kv/pin",
                     {{"region", name}, {"prompt", Text(name + ": ", 48)}});
        if (pinned.status != 201) fail("pin " + name + ": " + pinned.text);
        if (i % 2 == 0) {
          Reply unpinned = Send(*client, "DELETE", "/kv/pin/" + name);
          if (unpinned.status != 200) fail("unpin " + name);
        } else {
          std::lock_guard lock(mutex);
          kept.insert(name);
        }
      }
    });
  }
  std::atomic<int64_t> concurrent_tokens{0};
  for (size_t t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      auto client = kv.daemon().Client();
      for (size_t n = 0; n < prompts.size(); ++n) {
        size_t i = (n + 2 * t) % prompts.size();
        Reply reply = PostJson(*client, "/v1/completions",
                               {{"model", kModel},
                                {"prompt", prompts[i]},
                                {"max_tokens", 6},
                                {"temperature", 0}});
        if (reply.status != 200) {
          fail("completion: " + reply.text);
          continue;
        }
        concurrent_tokens += int64_t(prompts[i].size());
        if (TextOf(reply) != solo[i])
          fail("output differs for prompt " + std::to_string(i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);

  const json after = kv.Stats();
  ExpectConsistent(after);
  EXPECT_EQ(kv.RegionNames(), kept);
  EXPECT_EQ(after["regions"], int64_t(kept.size()));
  // Regions of distinct content: the pinned blocks are theirs, added up.
  int64_t reserved_kb = 0;
  for (const json& region : kv.Regions()) {
    reserved_kb += region["size_kb"].get<int64_t>();
  }
  EXPECT_EQ(after["pinned_kb"], reserved_kb);
  // Every prompt token was either served or computed.
  EXPECT_EQ(after["hit_tokens"].get<int64_t>() +
                after["miss_tokens"].get<int64_t>() -
                before["hit_tokens"].get<int64_t>() -
                before["miss_tokens"].get<int64_t>(),
            concurrent_tokens.load());
  EXPECT_EQ(concurrent_tokens.load(), 3 * prompt_tokens);
}

}  // namespace
}  // namespace nymph::testing
