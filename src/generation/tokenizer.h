// Text <-> token ids. The bundled model is byte-level (token id = byte
// value); a SentencePiece or BPE tokenizer for larger models implements the
// same interface.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nymph {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual int32_t vocab_size() const = 0;
  virtual std::vector<int32_t> Encode(std::string_view text) const = 0;
  // The bytes of one token. Several tokens may be needed to complete a
  // UTF-8 character; callers concatenate before treating bytes as text.
  virtual std::string TokenBytes(int32_t token) const = 0;
};

class ByteTokenizer : public Tokenizer {
 public:
  int32_t vocab_size() const override { return 256; }
  std::vector<int32_t> Encode(std::string_view text) const override;
  std::string TokenBytes(int32_t token) const override;
};

}  // namespace nymph
