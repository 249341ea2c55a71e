// The certificate used when the configuration names none: a self-signed
// ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, created on first
// start in the state directory and reused afterwards.
#pragma once

#include <string>

#include "common/status.h"

namespace nymph {

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

// Returns <state_dir>/tls/{cert,key}.pem, creating them if absent. The key
// is written with mode 0600 and both files appear atomically (temporary
// file, fsync, rename), so a crash never leaves half a key behind.
StatusOr<TlsFiles> EnsureSelfSignedCertificate(const std::string& state_dir);

}  // namespace nymph
