// Routes API requests to handlers, independent of the HTTP library so that
// handlers can be tested without sockets. Patterns are literal paths with
// `{name}` segments, e.g. "/models/{name}".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nymph {

struct ApiRequest {
  std::string method;
  std::string path;
  std::string_view body;  // owned by the HTTP layer for the call's duration
  std::map<std::string, std::string> params;  // from {name} segments
  std::string request_id;
  // The request's trace track (see trace/tracer.h); 0 when not traced.
  uint64_t trace_track = 0;
};

// Writes one piece of a streamed body; false once the client has gone.
using ChunkWriter = std::function<bool(std::string_view)>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  // When set, the body is produced by calling this with a writer, sent as
  // it is written (chunked), instead of `body`.
  std::function<void(const ChunkWriter&)> stream;
};

using Handler = std::function<ApiResponse(const ApiRequest&)>;

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern,
           Handler handler);

  // What matching a request gave. `handler` is null when no route fits:
  // then `status` is 404 (no such path) or 405 (path exists, method does
  // not; `allowed` lists the methods that do).
  struct Match {
    const Handler* handler = nullptr;
    std::string pattern;  // the route's pattern, a low-cardinality label
    std::map<std::string, std::string> params;
    int status = 404;
    std::vector<std::string> allowed;
  };
  Match Find(const std::string& method, const std::string& path) const;

  // "GET /health, POST /infer, ...": every route, in the order added, for
  // telling a client who asked for a path that is not there what is.
  std::string Listing() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace nymph
