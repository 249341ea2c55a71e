#include "agent_client.h"

#include <httplib.h>

#include <chrono>

#include "completion_stream.h"
#include "sse_parser.h"

namespace nymph::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

Status ConnectionError(const std::string& url, httplib::Error error) {
  return Status(ErrorKind::kUnavailable, "connection",
                "cannot reach the agent at " + url + ": " +
                    httplib::to_string(error) +
                    "; is it running, and are --url and --cacert right?");
}

StatusOr<JsonReply> ToReply(const std::string& url,
                            const httplib::Result& result) {
  if (!result) return ConnectionError(url, result.error());
  JsonReply reply;
  reply.status = result->status;
  reply.body = json::parse(result->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

}  // namespace

AgentClient::AgentClient(const Endpoint& endpoint)
    : client_(std::make_unique<httplib::Client>(endpoint.url)),
      url_(endpoint.url) {
  if (!endpoint.cacert.empty()) client_->set_ca_cert_path(endpoint.cacert);
  client_->enable_server_certificate_verification(true);
  if (!endpoint.token.empty()) client_->set_bearer_token_auth(endpoint.token);
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);
  client_->set_connection_timeout(5);
  // A long completion on a loaded card streams for minutes.
  client_->set_read_timeout(600);
}

AgentClient::~AgentClient() = default;

// The control routes (stats, pins, unpins) are safe to repeat, and their
// kept-alive connection sits idle through a whole scenario, long after the
// agent's keep-alive time-out has closed it: a failure to write or read on
// it is answered by one more try on a new connection.
StatusOr<JsonReply> AgentClient::SendControl(
    const std::function<httplib::Result()>& send) {
  httplib::Result result = send();
  if (!result && (result.error() == httplib::Error::Write ||
                  result.error() == httplib::Error::Read)) {
    result = send();
  }
  return ToReply(url_, result);
}

StatusOr<JsonReply> AgentClient::Get(const std::string& path) {
  return SendControl([&] { return client_->Get(path); });
}

StatusOr<JsonReply> AgentClient::Post(const std::string& path,
                                      const json& body) {
  const std::string text = body.dump();
  return SendControl(
      [&] { return client_->Post(path, text, "application/json"); });
}

StatusOr<JsonReply> AgentClient::Delete(const std::string& path) {
  return SendControl([&] { return client_->Delete(path); });
}

StreamRecord AgentClient::StreamCompletion(const json& body) {
  bool write_failed = false;
  StreamRecord record = StreamOnce(body, write_failed);
  if (write_failed) {
    record = StreamOnce(body, write_failed);
    record.resent_after_stale_connection = true;
  }
  return record;
}

StreamRecord AgentClient::StreamOnce(const json& body, bool& write_failed) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  SseParser parser;
  int status = 0;
  std::string refused_body;  // the error body of a non-200 answer

  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  req.set_header("Accept", "text/event-stream");
  req.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  Clock::time_point sent;
  req.content_receiver = [&](const char* data, size_t size, uint64_t,
                             uint64_t) {
    double at_s = Seconds(sent, Clock::now());
    if (status != 200) {
      refused_body.append(data, size);
      return true;
    }
    for (const std::string& event : parser.Feed({data, size})) {
      reader.OnEvent(event, at_s);
    }
    return true;
  };
  sent = Clock::now();
  httplib::Result result = client_->send(req);
  double end_s = Seconds(sent, Clock::now());
  write_failed = !result && result.error() == httplib::Error::Write;
  if (!result) {
    record.end_s = end_s;
    record.error = "connection";
    record.error_detail = ConnectionError(url_, result.error()).message();
  } else if (status != 200) {
    record.end_s = end_s;
    record.error = HttpErrorKind(status, refused_body);
    record.error_detail = refused_body.substr(0, 300);
  } else {
    reader.OnEnd(end_s);
  }
  return record;
}

StreamRecord AgentClient::Infer(const json& body) {
  const std::string text = body.dump();
  bool write_failed = false;
  StreamRecord record = InferOnce(text, write_failed);
  if (write_failed) {
    record = InferOnce(text, write_failed);
    record.resent_after_stale_connection = true;
  }
  return record;
}

StreamRecord AgentClient::InferOnce(const std::string& body,
                                    bool& write_failed) {
  StreamRecord record;
  Clock::time_point sent = Clock::now();
  httplib::Result result = client_->Post("/infer", body, "application/json");
  record.end_s = Seconds(sent, Clock::now());
  write_failed = !result && result.error() == httplib::Error::Write;
  if (!result) {
    record.error = "connection";
    record.error_detail = ConnectionError(url_, result.error()).message();
  } else if (result->status != 200) {
    record.error = HttpErrorKind(result->status, result->body);
    record.error_detail = result->body.substr(0, 300);
  } else {
    record.token_event_s.push_back(record.end_s);
    record.completion_tokens = 0;
  }
  return record;
}

std::string HttpErrorKind(int status, const std::string& body) {
  std::string kind = "http_" + std::to_string(status);
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") &&
      parsed["error"].is_object() && parsed["error"].contains("code") &&
      parsed["error"]["code"].is_string()) {
    kind += ":" + parsed["error"]["code"].get<std::string>();
  }
  return kind;
}

}  // namespace nymph::bench
