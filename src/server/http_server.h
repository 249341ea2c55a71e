// The HTTP(S) front: cpp-httplib behind one class. It authenticates, limits
// body size, dispatches to the Router, maps unrouted requests to 404/405,
// logs one line per request, feeds HttpMetrics and traces requests.
//
// Lifecycle: Bind(), then Serve() on one thread; Stop() from any thread
// makes Serve() return once the requests in flight have been answered.
//
// TODO: cpp-httplib holds one worker thread per open connection, with a
// listen backlog of 5 and no deadline for a whole request head, so a few
// dozen slow or idle clients can stall every other client, and pipelined
// requests after the first are dropped. An event-driven front (or a proxy
// in front of nymphd) is needed before the agent faces untrusted networks.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/self_signed.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace nymph {

namespace trace {
class Tracer;
}

struct HttpServerOptions {
  ListenAddress listen;
  bool plain_http = false;
  TlsFiles tls;  // used unless plain_http
  size_t max_body_bytes = 8u << 20;
  int threads = 32;
  std::string api_token;  // empty: no authentication
  // When set and tracing: one track per request ("req <id>" under
  // "requests") with a slice named after the route. Must outlive the
  // server.
  trace::Tracer* tracer = nullptr;
};

class HttpServer {
 public:
  // `router` and `metrics` must outlive the server.
  HttpServer(HttpServerOptions options, const Router& router,
             HttpMetrics& metrics);
  ~HttpServer();

  // Binds the listening socket; returns the bound port (useful with port 0).
  StatusOr<int> Bind();
  // Accepts connections until Stop(). Returns after in-flight requests end.
  void Serve();
  void Stop();

  std::string scheme() const { return options_.plain_http ? "http" : "https"; }

 private:
  void Configure();
  // Checks made before the body is read: token, framing, media type.
  // Returns the refusal, or nothing to let the request through.
  std::optional<ApiResponse> Admit(const httplib::Request& req);

  HttpServerOptions options_;
  const Router& router_;
  HttpMetrics& metrics_;
  BearerAuth auth_;
  std::unique_ptr<httplib::Server> server_;
  uint64_t requests_track_ = 0;  // parent of the per-request tracks
};

}  // namespace nymph
