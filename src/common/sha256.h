// SHA-256 of files, as lowercase hex, through OpenSSL.
#pragma once

#include <string>

#include "common/status.h"

namespace nymph {

StatusOr<std::string> Sha256OfFile(const std::string& path);

}  // namespace nymph
