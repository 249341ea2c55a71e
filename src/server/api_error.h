// The one place where core errors become HTTP: status codes and SPEC's body
// {"error": {"code": "...", "message": "..."}}.
#pragma once

#include "common/status.h"
#include "server/router.h"

namespace nymph {

int HttpStatusOf(ErrorKind kind);
ApiResponse ErrorResponse(const Status& status);
ApiResponse ErrorResponse(int http_status, const std::string& code,
                          const std::string& message);

}  // namespace nymph
