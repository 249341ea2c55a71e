#include "api/json_body.h"

namespace nymph {

StatusOr<nlohmann::json> ParseJsonObject(std::string_view body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return Status(ErrorKind::kBadRequest, "invalid_json",
                  std::string("the body is not valid JSON: ") + e.what());
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

}  // namespace nymph
