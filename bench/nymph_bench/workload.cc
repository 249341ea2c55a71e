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

StatusOr<json> InferBody(AgentClient& client, const std::string& model) {
  auto unavailable = [&](const std::string& why) {
    return Status(ErrorKind::kUnavailable, "infer_model",
                  "--infer-model " + model + ": " + why);
  };
  auto reply = client.Get("/models/" + model);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200 || !reply->body.is_object()) {
    return unavailable("GET /models/" + model + " answered " +
                       std::to_string(reply->status) + ": " +
                       reply->body.dump().substr(0, 200));
  }
  const json& inputs = reply->body["inputs"];
  if (!inputs.is_array() || inputs.empty()) {
    return unavailable("the agent reports no inputs for it");
  }
  json tensors = json::object();
  for (const json& input : inputs) {
    const std::string dtype = input.value("dtype", "");
    if (dtype == "string" || dtype == "bool" || dtype.empty()) {
      return unavailable("input '" + input.value("name", "?") + "' is " +
                         (dtype.empty() ? "of an unknown type" : dtype) +
                         "; choose a model with numeric inputs");
    }
    json shape = json::array();
    size_t count = 1;
    for (const json& dim : input["shape"]) {
      int64_t size = dim.is_number_integer() ? dim.get<int64_t>() : 1;
      shape.push_back(size);
      count *= static_cast<size_t>(size);
    }
    if (count > (1u << 20)) {
      return unavailable("input '" + input.value("name", "?") +
                         "' has over a million elements");
    }
    // 0, 1, 2, 3, 0, ...: valid for every numeric type, signed or not.
    json data = json::array();
    for (size_t i = 0; i < count; ++i) data.push_back(i % 4);
    tensors[input.value("name", "")] = {
        {"shape", shape}, {"dtype", dtype}, {"data", data}};
  }
  return json{{"model", model}, {"inputs", tensors}};
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
