// Writing a file so that readers see the old one or the whole new one,
// never a part: a temporary file in the same directory, fsync, rename,
// then fsync of the directory so the rename survives a power cut. Every
// file the agent and its tools keep (TLS key and certificate, pinned KV
// regions, traces, bench reports) is written this way.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nymph {

// Writes the concatenation of `parts` to `path` with permissions `mode`
// (not narrowed by the umask). kUnprocessable when the directory does not
// exist or cannot be written (the user's path is wrong), kInternal for
// other I/O failures; messages name the path. On failure `path` is as it
// was and no temporary file is left.
Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& parts,
                           mode_t mode = 0644);

}  // namespace nymph
