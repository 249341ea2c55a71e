#include "api/json_body.h"

#include <algorithm>

namespace nymph {
namespace {

// nlohmann prefixes its messages with "[json.exception.parse_error.101] ",
// an id that means nothing to the user.
std::string WithoutErrorId(const std::string& what) {
  if (what.empty() || what.front() != '[') return what;
  size_t end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

}  // namespace

Status RefuseUnknownFields(const nlohmann::json& body,
                           std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string accepted;
    for (std::string_view name : known) {
      accepted += (accepted.empty() ? "" : ", ") + std::string(name);
    }
    return Status(ErrorKind::kBadRequest, "unknown_field",
                  "unknown field '" + key + "'; accepted: " + accepted);
  }
  return Status();
}

StatusOr<nlohmann::json> ParseJsonObject(std::string_view body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // Parse errors, and numbers beyond a double's range (out_of_range).
    return Status(ErrorKind::kBadRequest, "invalid_json",
                  "the body is not valid JSON: " + WithoutErrorId(e.what()));
  }
  if (!json.is_object()) {
    return Status(ErrorKind::kBadRequest, "invalid_json",
                  "the body must be a JSON object");
  }
  return json;
}

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiResponse JsonResponse(const nlohmann::json& body, int status) {
  ApiResponse response;
  response.status = status;
  response.body = DumpJson(body);
  return response;
}

}  // namespace nymph
