#include "trace/proto_writer.h"

#include <cstring>

namespace nymph::trace {
namespace {

constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireLengthDelimited = 2;

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

}  // namespace

void AppendVarint(std::string& out, uint64_t value) {
  // Built on the stack and appended once: a push_back per byte made this
  // the writer's hottest function.
  char bytes[10];
  size_t size = 0;
  while (value >= 0x80) {
    bytes[size++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes[size++] = static_cast<char>(value);
  out.append(bytes, size);
}

void ProtoWriter::Tag(uint32_t field, uint32_t wire_type) {
  AppendVarint(out_, (uint64_t{field} << 3) | wire_type);
}

void ProtoWriter::Varint(uint32_t field, uint64_t value) {
  Tag(field, kWireVarint);
  AppendVarint(out_, value);
}

void ProtoWriter::Double(uint32_t field, double value) {
  Tag(field, kWireFixed64);
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  out_.append(bytes, sizeof bytes);
}

void ProtoWriter::Bytes(uint32_t field, std::string_view value) {
  Tag(field, kWireLengthDelimited);
  AppendVarint(out_, value.size());
  out_.append(value);
}

size_t ProtoWriter::BeginMessage(uint32_t field) {
  Tag(field, kWireLengthDelimited);
  out_.push_back('\0');  // the length, if it fits in one byte
  return out_.size() - 1;
}

void ProtoWriter::EndMessage(size_t mark) {
  size_t length = out_.size() - mark - 1;
  size_t width = VarintSize(length);
  if (width > 1) out_.insert(mark + 1, width - 1, '\0');
  for (size_t i = 0; i + 1 < width; ++i) {
    out_[mark + i] = static_cast<char>((length & 0x7f) | 0x80);
    length >>= 7;
  }
  out_[mark + width - 1] = static_cast<char>(length);
}

}  // namespace nymph::trace
