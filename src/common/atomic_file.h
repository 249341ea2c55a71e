// Writing a file so that readers see the old one or the whole new one,
// never a part: a temporary file in the same directory, fsync, rename,
// then fsync of the directory so the rename survives a power cut.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nymph::trace {

// Writes the concatenation of `parts` to `path`. kUnprocessable when the
// directory does not exist or cannot be written (the user's path is
// wrong), kInternal for other I/O failures; messages name the path.
Status WriteFileAtomically(const std::string& path,
                           std::initializer_list<std::string_view> parts);

}  // namespace nymph::trace
