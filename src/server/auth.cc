#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace nymph {
namespace {

std::string Digest(const std::string& text) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

BearerAuth::BearerAuth(const std::string& token)
    : enabled_(!token.empty()), token_digest_(Digest(token)) {}

bool BearerAuth::Accepts(const std::string& authorization_header) const {
  if (!enabled_) return true;
  static const std::string kScheme = "Bearer ";
  if (authorization_header.compare(0, kScheme.size(), kScheme) != 0) {
    return false;
  }
  std::string offered = Digest(authorization_header.substr(kScheme.size()));
  return CRYPTO_memcmp(offered.data(), token_digest_.data(),
                       token_digest_.size()) == 0;
}

}  // namespace nymph
