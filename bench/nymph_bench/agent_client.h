// The benchmark's only way to the agent: HTTP(S) as any client would use
// it, with the agent's certificate and bearer token when given.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "stream_record.h"

namespace httplib {
class Client;
class Result;
}  // namespace httplib

namespace nymph::bench {

struct Endpoint {
  std::string url;     // "https://127.0.0.1:8443" or "http://..."
  std::string cacert;  // PEM file to verify the agent; empty: system CAs
  std::string token;   // bearer token; empty: none sent
};

struct JsonReply {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
};

// One keep-alive connection, opened on first use. Not thread-safe: give
// each thread its own.
class AgentClient {
 public:
  explicit AgentClient(const Endpoint& endpoint);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Any HTTP status is a reply; only a failed connection is an error.
  // These are for the control routes, which are safe to repeat: a stale
  // kept-alive connection gets one more try on a new one.
  StatusOr<JsonReply> Get(const std::string& path);
  StatusOr<JsonReply> Post(const std::string& path, const nlohmann::json& body);
  StatusOr<JsonReply> Delete(const std::string& path);

  // POSTs `body` (a completion request with "stream": true) to
  // /v1/completions and records the stream; failures are in the record.
  // A request that cannot be written on a kept-alive connection (the agent
  // closed it while idle) is sent once more on a new connection, as HTTP
  // clients do: nothing reached the agent. The record counts it.
  StreamRecord StreamCompletion(const nlohmann::json& body);

  // POSTs `body` to /infer and records when the whole answer had arrived
  // (as `end_s`, and as the one "token" event, so that ok() holds); its
  // outputs are not kept. A stale kept-alive connection is handled as for
  // completions.
  StreamRecord Infer(const nlohmann::json& body);

 private:
  StatusOr<JsonReply> SendControl(const std::function<httplib::Result()>& send);
  // One attempt; `write_failed` says whether the request failed to leave.
  StreamRecord StreamOnce(const nlohmann::json& body, bool& write_failed);
  StreamRecord InferOnce(const std::string& body, bool& write_failed);

  std::unique_ptr<httplib::Client> client_;
  std::string url_;
};

// "http_404:not_found" style kind for a refused request: the status and
// the error code of the agent's JSON error body, when it has one.
std::string HttpErrorKind(int status, const std::string& body);

}  // namespace nymph::bench
