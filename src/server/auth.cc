#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <strings.h>

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
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  static const std::string kScheme = "Bearer ";
  if (authorization_header.size() < kScheme.size() ||
      strncasecmp(authorization_header.data(), kScheme.data(),
                  kScheme.size()) != 0) {
    return false;
  }
  std::string offered = Digest(authorization_header.substr(kScheme.size()));
  return CRYPTO_memcmp(offered.data(), token_digest_.data(),
                       token_digest_.size()) == 0;
}

}  // namespace nymph
