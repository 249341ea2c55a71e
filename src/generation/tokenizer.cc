#include "generation/tokenizer.h"

namespace nymph {

std::vector<int32_t> ByteTokenizer::Encode(std::string_view text) const {
  std::vector<int32_t> tokens;
  tokens.reserve(text.size());
  for (unsigned char byte : text) tokens.push_back(byte);
  return tokens;
}

std::string ByteTokenizer::TokenBytes(int32_t token) const {
  return std::string(1, static_cast<char>(static_cast<uint8_t>(token)));
}

}  // namespace nymph
