// Bearer-token check for the API.
#pragma once

#include <string>

namespace nymph {

class BearerAuth {
 public:
  // An empty token disables the check.
  explicit BearerAuth(const std::string& token);

  bool enabled() const { return enabled_; }

  // True if `authorization_header` is "Bearer <token>". The comparison
  // takes the same time wherever the first difference is, so response
  // timing does not leak the token: both sides are hashed first (equal
  // lengths), then compared with CRYPTO_memcmp.
  bool Accepts(const std::string& authorization_header) const;

 private:
  bool enabled_;
  std::string token_digest_;
};

}  // namespace nymph
