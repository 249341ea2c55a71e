// Parsing request bodies as JSON objects, with errors in the API's terms.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"
#include "server/router.h"

namespace nymph {

// Parses `body` and requires a JSON object at the top.
StatusOr<nlohmann::json> ParseJsonObject(std::string_view body);

// 400 unknown_field naming the first field of `body` not in `known`, and
// what is accepted: a misspelt field is a mistake, not a default.
Status RefuseUnknownFields(const nlohmann::json& body,
                           std::initializer_list<std::string_view> known);

// Serializes a response body; invalid UTF-8 in strings is replaced rather
// than thrown, since some strings (model outputs) come from outside.
std::string DumpJson(const nlohmann::json& json);

// A JSON response with `status`.
ApiResponse JsonResponse(const nlohmann::json& body, int status = 200);

}  // namespace nymph
