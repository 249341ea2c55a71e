#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <strings.h>

#include <atomic>
#include <chrono>
#include <optional>

#include "server/api_error.h"
#include "trace/tracer.h"

namespace nymph {
namespace {

using Clock = std::chrono::steady_clock;

// httplib handles each request start to finish on one worker thread, from
// the pre-routing hook to the logger hook, so per-request facts that the
// library has no slot for live here.
struct RequestContext {
  bool active = false;  // false: the library answered before routing
  Clock::time_point start;
  uint64_t id = 0;
  std::string route;
  uint64_t trace_track = 0;  // 0: the request is not traced
};
thread_local RequestContext current;

std::atomic<uint64_t> next_request_id{1};

std::string ErrorCodeForStatus(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    default:
      return "http_" + std::to_string(status);
  }
}

// Request methods and paths come from the network: bounded to known names
// for metric labels, escaped for logs so that no client can forge a line.
std::string MethodLabel(const std::string& method) {
  static const char* known[] = {"GET",    "HEAD",    "POST", "PUT",
                                "DELETE", "OPTIONS", "PATCH"};
  for (const char* name : known) {
    if (method == name) return method;
  }
  return "other";
}

std::string Printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text.substr(0, 256)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return text.size() > 256 ? out + "..." : out;
}

bool StartsWithNoCase(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

void Send(const ApiResponse& api, httplib::Response& res) {
  res.status = api.status;
  for (const auto& [name, value] : api.headers) res.set_header(name, value);
  if (!api.stream) {
    res.set_content(api.body, api.content_type);
    return;
  }
  res.set_chunked_content_provider(
      api.content_type, [stream = api.stream](size_t, httplib::DataSink& sink) {
        // write() fails once the peer is gone; no extra poll per chunk.
        stream([&sink](std::string_view chunk) {
          return sink.write(chunk.data(), chunk.size());
        });
        sink.done();
        return true;
      });
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, const Router& router,
                       HttpMetrics& metrics)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      auth_(options_.api_token) {
  if (options_.tracer != nullptr) {
    requests_track_ = options_.tracer->NewTrack("requests");
  }
}

HttpServer::~HttpServer() = default;

std::optional<ApiResponse> HttpServer::Admit(const httplib::Request& req) {
  if (req.path != "/health" &&
      !auth_.Accepts(req.get_header_value("Authorization"))) {
    ApiResponse denied =
        ErrorResponse(401, "unauthorized",
                      "send the API token as 'Authorization: Bearer <token>'");
    denied.headers["WWW-Authenticate"] = "Bearer";
    return denied;
  }
  // The library enforces the body limit only on Content-Length bodies, so
  // chunked ones, whose size is unknown until read, are refused up front.
  if (req.has_header("Transfer-Encoding")) {
    return ErrorResponse(411, "length_required",
                         "send the body with a Content-Length header; "
                         "chunked bodies are not accepted");
  }
  // Without a length the library would wait for a body until its read
  // time-out (5 s) and then answer a bare 400; `curl -X POST` without -d
  // sends no length.
  if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
      !req.has_header("Content-Length")) {
    return ErrorResponse(411, "length_required",
                         req.method +
                             " needs a Content-Length header, even for an "
                             "empty body (curl: -d '' or -d '{}')");
  }
  // The library caps form-encoded bodies at 8 KiB whatever the limit, and
  // bodies here are JSON: say so instead of failing later with a false 413.
  std::string type = req.get_header_value("Content-Type");
  if (!type.empty() && !StartsWithNoCase(type, "application/json") &&
      req.get_header_value("Content-Length") != "0") {
    return ErrorResponse(415, "unsupported_media_type",
                         "send JSON with 'Content-Type: application/json' "
                         "(curl: -H 'Content-Type: application/json')");
  }
  return std::nullopt;
}

StatusOr<int> HttpServer::Bind() {
  if (options_.plain_http) {
    server_ = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(
        options_.tls.cert_file.c_str(), options_.tls.key_file.c_str());
    if (!tls->is_valid()) {
      return Status(ErrorKind::kInternal, "tls_setup_failed",
                    "cannot load the TLS certificate " +
                        options_.tls.cert_file + " or key " +
                        options_.tls.key_file);
    }
    server_ = std::move(tls);
  }
  Configure();
  const ListenAddress& listen = options_.listen;
  int port = listen.port;
  if (port == 0) {
    port = server_->bind_to_any_port(listen.host);
  } else if (!server_->bind_to_port(listen.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return Status(ErrorKind::kInternal, "bind_failed",
                  "cannot listen on " + options_.listen.host + ":" +
                      std::to_string(options_.listen.port) +
                      " (address in use, or not an address of this host)");
  }
  return port;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::Stop() {
  if (server_) server_->stop();
}

void HttpServer::Configure() {
  httplib::Server& svr = *server_;
  int threads = options_.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(options_.max_body_bytes);
  // SO_REUSEADDR only: the library's default adds SO_REUSEPORT, which would
  // let a second daemon bind the same port and take half the traffic.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Clients such as benchmarks keep one connection for thousands of calls.
  svr.set_keep_alive_max_count(100000);
  // Headers and body leave in separate writes; without this, Nagle and
  // delayed ACKs add about 40 ms to every keep-alive response.
  svr.set_tcp_nodelay(true);

  svr.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        current = {true, Clock::now(), next_request_id++, "unmatched"};
        metrics_.AddInFlight(1);
        res.set_header("X-Request-Id", std::to_string(current.id));
        trace::Tracer* tracer = options_.tracer;
        if (tracer != nullptr && tracer->enabled()) {
          current.trace_track = tracer->NewTrack(
              "req " + std::to_string(current.id), requests_track_);
        }
        if (auto refusal = Admit(req)) {
          if (tracer != nullptr)
            tracer->Instant(current.trace_track, "refused");
          Send(*refusal, res);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });

  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    // HEAD is GET without the body (the library drops it).
    const std::string& method = req.method == "HEAD" ? "GET" : req.method;
    Router::Match match = router_.Find(method, req.path);
    if (!match.pattern.empty()) current.route = match.pattern;
    // Ended in the logger hook, after a streamed body has been sent too.
    if (options_.tracer != nullptr) {
      options_.tracer->Begin(current.trace_track, current.route);
    }
    if (match.handler == nullptr) {
      if (match.status == 405) {
        std::string allowed;
        for (const auto& m : match.allowed) {
          allowed += (allowed.empty() ? "" : ", ") + m;
        }
        ApiResponse response =
            ErrorResponse(405, "method_not_allowed",
                          req.method + " is not supported on " + match.pattern +
                              "; use " + allowed);
        response.headers["Allow"] = allowed;
        Send(response, res);
      } else {
        Send(ErrorResponse(404, "not_found",
                           "no route " + req.path +
                               "; the routes are: " + router_.Listing()),
             res);
      }
      return;
    }
    ApiRequest request{req.method,
                       req.path,
                       req.body,
                       std::move(match.params),
                       std::to_string(current.id),
                       current.trace_track};
    Send((*match.handler)(request), res);
  };
  const char* any = ".*";
  svr.Get(any, dispatch);
  svr.Post(any, dispatch);
  svr.Put(any, dispatch);
  svr.Patch(any, dispatch);
  svr.Delete(any, dispatch);
  svr.Options(any, dispatch);

  // Errors the library answers itself (413, 400 on a malformed request
  // line) arrive here without a body; give them SPEC's JSON form.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        std::string message = res.status == 413
                                  ? "the request body is over the configured "
                                    "limit (server.max_body_bytes)"
                                  : "the HTTP request could not be handled";
        ApiResponse response =
            ErrorResponse(res.status, ErrorCodeForStatus(res.status), message);
        res.set_content(response.body, response.content_type);
        return httplib::Server::HandlerResponse::Handled;
      }));

  svr.set_exception_handler([](const httplib::Request& req,
                               httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(std::move(ep));
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("http: #{} {} {} failed with an exception (a bug): {}",
                  current.id, MethodLabel(req.method), Printable(req.path),
                  what);
    Send(ErrorResponse(500, "internal_error",
                       "the server failed; request id " +
                           std::to_string(current.id) + " is in its log"),
         res);
  });

  svr.set_logger([this](const httplib::Request& req,
                        const httplib::Response& res) {
    if (!current.active) {
      current = {true, Clock::now(), next_request_id++, "unmatched"};
      metrics_.AddInFlight(1);
    }
    current.active = false;
    if (current.trace_track != 0) {
      options_.tracer->ReleaseTrack(current.trace_track);  // ends the slice
      current.trace_track = 0;
    }
    double seconds =
        std::chrono::duration<double>(Clock::now() - current.start).count();
    metrics_.Observe(MethodLabel(req.method), current.route, res.status,
                     seconds);
    metrics_.AddInFlight(-1);
    auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "http: #{} {} {} {} {:.2f} ms", current.id,
                MethodLabel(req.method), Printable(req.path), res.status,
                seconds * 1e3);
  });
}

}  // namespace nymph
