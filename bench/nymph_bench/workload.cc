#include "workload.h"

#include <cstdio>

namespace nymph::bench {

using nlohmann::json;

json CompletionBody(const CompletionShape& shape, const std::string& prompt,
                    const std::string& kv_region) {
  json body = {{"model", shape.model},
               {"prompt", prompt},
               {"max_tokens", shape.max_tokens},
               {"temperature", shape.temperature},
               {"stream", true}};
  if (!kv_region.empty()) body["kv_region"] = kv_region;
  return body;
}

json PinPrefix(AgentClient& client, const std::string& region,
               const std::string& prefix, std::string& unavailable) {
  auto reply = client.Post("/kv/pin", {{"region", region}, {"prompt", prefix}});
  if (!reply.ok()) {
    unavailable = reply.status().message();
  } else if (reply->status == 404) {
    unavailable = "POST /kv/pin answered 404: this agent has no such route";
  } else if (reply->status != 200 && reply->status != 201) {
    // 201: pinned now; 200: the same content was pinned already.
    unavailable = "POST /kv/pin answered " + std::to_string(reply->status) +
                  ": " + reply->body.dump().substr(0, 200);
  } else {
    return reply->body;
  }
  return nullptr;
}

void Unpin(AgentClient& client, const std::string& region) {
  auto reply = client.Delete("/kv/pin/" + region);
  if (!reply.ok() || reply->status / 100 != 2) {
    std::fprintf(stderr,
                 "bench: could not unpin '%s' (%s); remove it with "
                 "DELETE /kv/pin/%s\n",
                 region.c_str(),
                 reply.ok() ? std::to_string(reply->status).c_str()
                            : reply.status().message().c_str(),
                 region.c_str());
  }
}

}  // namespace nymph::bench
