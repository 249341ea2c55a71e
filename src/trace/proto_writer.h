// A minimal protobuf wire-format encoder, enough for Perfetto's trace
// format: varints, length-delimited fields (strings, nested messages) and
// doubles. It appends to a caller's buffer and never allocates on its own
// beyond the buffer's growth.
//
// Nested messages are written in place: BeginMessage() leaves one byte for
// the length and EndMessage() fills it in, moving the body forward only in
// the rare case that the body is 128 bytes or longer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nymph::trace {

// Appends `value` as a base-128 varint (1 to 10 bytes). Negative int64
// values are passed as their two's complement, as protobuf's int64 does.
void AppendVarint(std::string& out, uint64_t value);

class ProtoWriter {
 public:
  // `out` must outlive the writer; bytes are appended to it.
  explicit ProtoWriter(std::string& out) : out_(out) {}

  // uint32/uint64/int32/int64/bool/enum fields.
  void Varint(uint32_t field, uint64_t value);
  // double fields (wire type 1, little-endian IEEE 754).
  void Double(uint32_t field, double value);
  // string and bytes fields.
  void Bytes(uint32_t field, std::string_view value);

  // Starts a nested message; returns the mark to pass to EndMessage().
  // REQUIRES: messages are ended in reverse order of their beginning.
  size_t BeginMessage(uint32_t field);
  void EndMessage(size_t mark);

 private:
  void Tag(uint32_t field, uint32_t wire_type);

  std::string& out_;
};

}  // namespace nymph::trace
