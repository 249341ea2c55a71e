#include <unistd.h>

#include <filesystem>

#include "api/json_body.h"
#include "api/routes.h"
#include "server/api_error.h"
#include "trace/tracer.h"

namespace nymph {
namespace {

using nlohmann::json;

// The body is optional on both routes: none means the defaults.
StatusOr<json> OptionalBody(const ApiRequest& request) {
  if (request.body.empty()) return json::object();
  return ParseJsonObject(request.body);
}

Status Unprocessable(const std::string& code, const std::string& message) {
  return Status(ErrorKind::kUnprocessable, code, message);
}

StatusOr<size_t> MaxBytes(const json& body, size_t default_bytes) {
  if (!body.contains("max_mb")) return default_bytes;
  const json& mb = body["max_mb"];
  if (!mb.is_number_integer() || mb.get<int64_t>() < 1 ||
      mb.get<int64_t>() > 4096) {
    return Unprocessable("invalid_max_mb",
                         "max_mb must be an integer from 1 to 4096 "
                         "(the trace's size limit in MiB)");
  }
  return size_t(mb.get<int64_t>()) << 20;
}

// Where to write: the request's path, else the configured --trace-out,
// else <state dir>/trace.perfetto. A client names a file for the daemon
// to write, so only a trace file's name inside the state directory: no
// directories (so no way out of it), and the suffix keeps it from
// replacing anything else there.
StatusOr<std::string> TracePath(const json& body, const ApiContext& context) {
  namespace fs = std::filesystem;
  std::string path =
      context.trace_out.empty()
          ? (fs::path(context.state_dir) / "trace.perfetto").string()
          : context.trace_out;
  if (body.contains("path")) {
    if (!body["path"].is_string() || body["path"].get<std::string>().empty()) {
      return Unprocessable("invalid_path", "path must be a non-empty string");
    }
    fs::path asked(body["path"].get<std::string>());
    if (asked.has_parent_path() || asked.filename() != asked) {
      return Unprocessable("invalid_path",
                           "path must be a file name only; the trace is "
                           "written in the state directory");
    }
    // NAME_MAX: a longer name could not be created, which would be found
    // only after the recording had stopped.
    if (asked.string().size() > 255) {
      return Unprocessable("invalid_path",
                           "path must be a file name of at most 255 bytes");
    }
    // Control characters (a NUL cannot even be created) make names no
    // one can type back.
    for (unsigned char c : asked.string()) {
      if (c < 0x20 || c == 0x7f) {
        return Unprocessable("invalid_path",
                             "path must not hold control characters");
      }
    }
    if (asked.extension() != ".perfetto" && asked.extension() != ".pftrace") {
      return Unprocessable("invalid_path",
                           "path must name a .perfetto or .pftrace file");
    }
    path = (fs::path(context.state_dir) / asked).string();
  }
  // Checked before the recording stops, so that a bad target costs
  // nothing: the trace keeps recording until a stop can write it.
  std::error_code error;
  fs::file_status target = fs::status(path, error);
  if (fs::exists(target) && !fs::is_regular_file(target)) {
    return Unprocessable("invalid_path",
                         path +
                             " exists and is not a regular file; choose "
                             "another path (the trace keeps recording)");
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir) || access(dir.c_str(), W_OK) != 0) {
    return Unprocessable("invalid_path",
                         dir.string() +
                             " is not a writable directory; choose another "
                             "path (the trace keeps recording meanwhile)");
  }
  return path;
}

}  // namespace

void AddTraceRoutes(Router& router, const ApiContext& context) {
  router.Add("POST", "/trace/start", [context](const ApiRequest& request) {
    auto body = OptionalBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    if (Status known = RefuseUnknownFields(*body, {"max_mb"}); !known.ok()) {
      return ErrorResponse(known);
    }
    auto max_bytes = MaxBytes(*body, context.trace_max_bytes);
    if (!max_bytes.ok()) return ErrorResponse(max_bytes.status());
    Status started = context.tracer.Start(*max_bytes);
    if (!started.ok()) return ErrorResponse(started);
    return JsonResponse({{"status", "tracing"}, {"max_bytes", *max_bytes}});
  });

  router.Add("POST", "/trace/stop", [context](const ApiRequest& request) {
    auto body = OptionalBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    if (Status known = RefuseUnknownFields(*body, {"path"}); !known.ok()) {
      return ErrorResponse(known);
    }
    auto path = TracePath(*body, context);
    if (!path.ok()) return ErrorResponse(path.status());
    Status stopped = context.tracer.Stop();
    // A trace stopped by an earlier call whose write failed is written now.
    if (!stopped.ok() && !context.tracer.HasUnsavedTrace()) {
      return ErrorResponse(stopped);
    }
    auto written = context.tracer.WriteTo(*path);
    if (!written.ok()) {
      const Status& failed = written.status();
      return ErrorResponse(Status(
          failed.kind(), failed.code(),
          failed.message() +
              "; the recording is kept: POST /trace/stop again with another "
              "path"));
    }
    return JsonResponse({{"path", *path},
                         {"bytes", written->bytes},
                         {"packets", written->packets},
                         {"dropped", written->dropped}});
  });
}

}  // namespace nymph
