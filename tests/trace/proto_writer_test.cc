// The wire encoder against bytes worked out by hand from the protobuf
// encoding rules (base-128 varints, least significant group first, with
// the continuation bit; tag = field << 3 | wire type).
#include "trace/proto_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nymph::trace {
namespace {

std::vector<int> Bytes(const std::string& s) {
  std::vector<int> bytes;
  for (unsigned char c : s) bytes.push_back(c);
  return bytes;
}

std::vector<int> Varint(uint64_t value) {
  std::string out;
  AppendVarint(out, value);
  return Bytes(out);
}

TEST(AppendVarint, SmallValuesTakeOneByte) {
  EXPECT_EQ(Varint(0), (std::vector<int>{0x00}));
  EXPECT_EQ(Varint(1), (std::vector<int>{0x01}));
  EXPECT_EQ(Varint(127), (std::vector<int>{0x7f}));
}

TEST(AppendVarint, LargerValuesSplitIntoSevenBitGroups) {
  // 128 = 1 << 7: low group 0 with continuation, then 1.
  EXPECT_EQ(Varint(128), (std::vector<int>{0x80, 0x01}));
  // 300 = 0b10_0101100: groups 0101100 (0x2c | 0x80), 10 (0x02).
  EXPECT_EQ(Varint(300), (std::vector<int>{0xac, 0x02}));
  // 16384 = 1 << 14: two empty groups, then 1.
  EXPECT_EQ(Varint(16384), (std::vector<int>{0x80, 0x80, 0x01}));
}

TEST(AppendVarint, LargestValueTakesTenBytes) {
  // 64 one-bits: nine full groups of seven, then the last bit.
  std::vector<int> expected(9, 0xff);
  expected.push_back(0x01);
  EXPECT_EQ(Varint(~uint64_t{0}), expected);
}

TEST(AppendVarint, NegativeInt64IsTwosComplementInTenBytes) {
  // protobuf int64 (not sint64): -1 is 2^64 - 1 on the wire.
  std::vector<int> expected(9, 0xff);
  expected.push_back(0x01);
  EXPECT_EQ(Varint(static_cast<uint64_t>(int64_t{-1})), expected);
  // -2 = 0xff..fe: first group 1111110 with continuation.
  expected[0] = 0xfe;
  EXPECT_EQ(Varint(static_cast<uint64_t>(int64_t{-2})), expected);
}

TEST(ProtoWriter, VarintFieldIsTagThenValue) {
  // Field 1, wire type 0: tag 0x08; 150 = 0x96 0x01.
  std::string out;
  ProtoWriter(out).Varint(1, 150);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x08, 0x96, 0x01}));
}

TEST(ProtoWriter, FieldNumbersAbove15TakeTwoTagBytes) {
  // TracePacket.first_packet_on_sequence = 87: 87 << 3 = 696 = 0x2b8,
  // groups 0111000 (0xb8) and 101 (0x05).
  std::string out;
  ProtoWriter(out).Varint(87, 1);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0xb8, 0x05, 0x01}));
}

TEST(ProtoWriter, StringIsTagLengthBytes) {
  // Field 2, wire type 2: tag 0x12, length 7, then ASCII.
  std::string out;
  ProtoWriter(out).Bytes(2, "testing");
  EXPECT_EQ(Bytes(out),
            (std::vector<int>{0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'}));
}

TEST(ProtoWriter, DoubleIsLittleEndianIeee754) {
  // Field 44, wire type 1: 44 << 3 | 1 = 353 = 0xe1 0x02. 1.0 is
  // 0x3ff0000000000000; -2.5 is 0xc004000000000000.
  std::string out;
  ProtoWriter writer(out);
  writer.Double(44, 1.0);
  writer.Double(1, -2.5);
  EXPECT_EQ(Bytes(out),
            (std::vector<int>{0xe1, 0x02, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,  //
                              0x09, 0, 0, 0, 0, 0, 0, 0x04, 0xc0}));
}

TEST(ProtoWriter, ShortNestedMessageHasOneLengthByte) {
  // Field 11 (tag 0x5a) holding field 9 = 1 (0x48 0x01): length 2.
  std::string out;
  ProtoWriter writer(out);
  size_t mark = writer.BeginMessage(11);
  writer.Varint(9, 1);
  writer.EndMessage(mark);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x5a, 0x02, 0x48, 0x01}));
}

TEST(ProtoWriter, LongNestedMessageMovesBodyForTwoLengthBytes) {
  // A 200-byte string inside field 1: inner = tag 0x0a, length 0xc8 0x01
  // (200), 200 bytes = 203 bytes; outer = tag 0x0a, length 0xcb 0x01.
  std::string out;
  ProtoWriter writer(out);
  size_t outer = writer.BeginMessage(1);
  writer.Bytes(1, std::string(200, 'x'));
  writer.EndMessage(outer);
  std::vector<int> bytes = Bytes(out);
  ASSERT_EQ(bytes.size(), 3u + 203u);
  EXPECT_EQ((std::vector<int>(bytes.begin(), bytes.begin() + 5)),
            (std::vector<int>{0x0a, 0xcb, 0x01, 0x0a, 0xc8}));
  EXPECT_EQ(bytes[5], 0x01);
  EXPECT_EQ(bytes[6], 'x');
  EXPECT_EQ(bytes.back(), 'x');
}

TEST(ProtoWriter, NestedMessagesEndInReverseOrder) {
  // Field 1 { field 2 { field 3 = 5 } }: innermost 0x18 0x05; middle
  // 0x12 0x02 + 2; outer 0x0a 0x04 + 4.
  std::string out;
  ProtoWriter writer(out);
  size_t outer = writer.BeginMessage(1);
  size_t inner = writer.BeginMessage(2);
  writer.Varint(3, 5);
  writer.EndMessage(inner);
  writer.EndMessage(outer);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x0a, 0x04, 0x12, 0x02, 0x18, 0x05}));
}

}  // namespace
}  // namespace nymph::trace
