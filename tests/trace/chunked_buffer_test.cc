// The trace's chunked storage: the bytes come back in order, whole
// packets stay in one chunk, and nothing already kept is moved.
#include "trace/chunked_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace nymph::trace {
namespace {

std::string Joined(const ChunkedBuffer& buffer) {
  std::string all;
  for (std::string_view part : buffer.Parts()) all += part;
  return all;
}

TEST(ChunkedBuffer, KeepsBytesInOrderAcrossChunks) {
  ChunkedBuffer buffer(8);
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    std::string packet(size_t(i % 5 + 1), char('a' + i));
    buffer.Append(packet);
    expected += packet;
  }
  EXPECT_EQ(buffer.size(), expected.size());
  EXPECT_EQ(Joined(buffer), expected);
  for (std::string_view part : buffer.Parts()) EXPECT_LE(part.size(), 8u);
}

TEST(ChunkedBuffer, APacketIsNeverSplitAndALargeOneGetsItsOwnChunk) {
  ChunkedBuffer buffer(8);
  buffer.Append("abcdef");
  buffer.Append("ghij");  // 6 + 4 > 8: a new chunk
  buffer.Append(std::string(20, 'x'));
  auto parts = buffer.Parts();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "abcdef");
  EXPECT_EQ(parts[1], "ghij");
  EXPECT_EQ(parts[2], std::string(20, 'x'));
}

TEST(ChunkedBuffer, GrowingDoesNotMoveWhatIsKept) {
  ChunkedBuffer buffer(64);
  buffer.Append("first");
  const char* first = buffer.Parts().front().data();
  for (int i = 0; i < 1000; ++i) buffer.Append("0123456789");
  EXPECT_EQ(buffer.Parts().front().data(), first);
  EXPECT_EQ(buffer.size(), 5u + 10000u);
}

TEST(ChunkedBuffer, EmptyHasNoParts) {
  ChunkedBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.Parts().empty());
}

}  // namespace
}  // namespace nymph::trace
