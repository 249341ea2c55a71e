#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace nymph {

int HttpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kUnprocessable:
      return 422;
    case ErrorKind::kOverloaded:
      return 429;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInsufficientStorage:
      return 507;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

ApiResponse ErrorResponse(int http_status, const std::string& code,
                          const std::string& message) {
  ApiResponse response;
  response.status = http_status;
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // Replace invalid UTF-8 (an echoed model name, say) instead of throwing.
  response.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

ApiResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusOf(status.kind()), status.code(),
                       status.message());
}

}  // namespace nymph
