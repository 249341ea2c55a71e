// Status and StatusOr: the one error type of the core. Errors carry a kind
// (what went wrong, in API terms) and a sentence for the user; the HTTP edge
// maps the kind to a status code once, in server/api_error.cc.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nymph {

enum class ErrorKind {
  kBadRequest,           // malformed input: not JSON, wrong JSON types
  kUnprocessable,        // well-formed input that makes no sense for the target
  kNotFound,             // unknown model, route or resource
  kConflict,             // state does not allow the operation
  kOverloaded,           // too much work queued; retry later
  kUnavailable,          // not ready (still loading, board unreachable)
  kInsufficientStorage,  // a fixed pool (the KV cache) has no room
  kInternal,             // a bug or an unexpected runtime failure
};

class Status {
 public:
  Status() = default;  // ok
  Status(ErrorKind kind, std::string code, std::string message)
      : ok_(false),
        kind_(kind),
        code_(std::move(code)),
        message_(std::move(message)) {}

  bool ok() const { return ok_; }
  ErrorKind kind() const { return kind_; }
  // snake_case identifier for programs, e.g. "dtype_mismatch".
  const std::string& code() const { return code_; }
  // A sentence for people: what is wrong and what to do.
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  ErrorKind kind_ = ErrorKind::kInternal;
  std::string code_;
  std::string message_;
};

// Holds either a value or a non-ok Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : state_(std::move(value)) {}         // NOLINT
  StatusOr(Status status) : state_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const { return std::get<Status>(state_); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace nymph
