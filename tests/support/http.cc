#include "support/http.h"

namespace nymph::testing {

Reply Send(httplib::Client& client, const std::string& method,
           const std::string& path, const std::string& body,
           const httplib::Headers& headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = headers;
  req.body = body;
  if (!body.empty() && !req.has_header("Content-Type")) {
    req.set_header("Content-Type", "application/json");
  }
  auto result = client.send(req);
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.text = result->body;
  reply.headers = result->headers;
  reply.body = nlohmann::json::parse(result->body, nullptr, false);
  return reply;
}

Reply PostJson(httplib::Client& client, const std::string& path,
               const nlohmann::json& body) {
  return Send(client, "POST", path, body.dump());
}

}  // namespace nymph::testing
