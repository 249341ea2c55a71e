// Small helpers for talking JSON to the daemon in tests.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace nymph::testing {

struct Reply {
  int status = 0;  // 0: no response (connection failed)
  nlohmann::json body;
  std::string text;
  httplib::Headers headers;
};

Reply Send(httplib::Client& client, const std::string& method,
           const std::string& path, const std::string& body = "",
           const httplib::Headers& headers = {});
Reply PostJson(httplib::Client& client, const std::string& path,
               const nlohmann::json& body);

}  // namespace nymph::testing
