#include "prompt_source.h"

#include <cctype>
#include <fstream>
#include <random>
#include <sstream>

namespace nymph::bench {

PromptSource::PromptSource(std::string text, uint64_t seed)
    : text_(std::move(text)) {
  for (size_t i = 0; i < text_.size(); ++i) {
    bool space_before =
        i == 0 || std::isspace(static_cast<unsigned char>(text_[i - 1]));
    if (space_before && !std::isspace(static_cast<unsigned char>(text_[i]))) {
      starts_.push_back(i);
    }
  }
  // Fisher-Yates with the engine's raw output: std::mt19937_64 is the same
  // sequence everywhere, unlike the standard distributions.
  std::mt19937_64 engine(seed);
  for (size_t i = starts_.size(); i > 1; --i) {
    std::swap(starts_[i - 1], starts_[engine() % i]);
  }
}

StatusOr<PromptSource> PromptSource::FromFile(const std::string& path,
                                              uint64_t seed) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status(ErrorKind::kBadRequest, "prompt_text",
                  "cannot read prompt text from '" + path +
                      "'; pass --prompt-text with a readable text file");
  }
  return PromptSource(text.str(), seed);
}

std::string PromptSource::Slice(size_t index, size_t chars) const {
  std::string slice;
  slice.reserve(chars);
  size_t at = starts_[index % starts_.size()];
  while (slice.size() < chars) {
    size_t take = std::min(chars - slice.size(), text_.size() - at);
    slice.append(text_, at, take);
    at = 0;
  }
  return slice;
}

}  // namespace nymph::bench
