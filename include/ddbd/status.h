// Status and Result<T>: how every layer of ddbd reports failure.
//
// A Status is either OK (a null pointer, so the OK path costs nothing) or an error with an
// ErrorCode (one row of src/common/error_codes.def), a message, and an optional opaque payload
// (for example the old item of a ConditionalCheckFailedException, rendered later by the api
// layer). Status is cheap to move and immutable once built; it is thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ddbd {

// Every error the server can answer with. DO NOT reorder without checking metrics names.
enum class ErrorCode : uint16_t {
  kOk = 0,
#define DDBD_ERROR(name, wire, ns, http, retry) name,
#include "common/error_codes.def"
#undef DDBD_ERROR
};

// The `__type` namespace of an error.
enum class ErrorNamespace : uint8_t { kDynamo, kValidate, kCoral, kLambda };

struct ErrorInfo {
  std::string_view wire_name;      // e.g. "ValidationException"
  ErrorNamespace error_namespace;  // rendered as "<namespace>#<wire_name>"
  int http_status;                 // 400, 500 or 503
  bool retryable;                  // SDKs retry these
};

// Looks up the table row of `code`. REQUIRES: code != kOk.
const ErrorInfo& GetErrorInfo(ErrorCode code);
// "com.amazon.coral.validate" and friends.
std::string_view NamespaceString(ErrorNamespace ns);

class [[nodiscard]] Status {
 public:
  // Opaque extra data attached to an error (old item, cancellation reasons...). The api layer
  // knows the concrete types; lower layers only pass it along.
  struct Payload {
    virtual ~Payload() = default;
  };

  Status() noexcept = default;
  Status(ErrorCode code, std::string message, std::shared_ptr<const Payload> payload = nullptr)
      : state_(std::make_shared<const State>(State{code, std::move(message), std::move(payload)})) {
  }

  static Status OK() { return Status(); }
  static Status Validation(std::string message) {
    return Status(ErrorCode::kValidation, std::move(message));
  }
  static Status ResourceNotFound(std::string message) {
    return Status(ErrorCode::kResourceNotFound, std::move(message));
  }
  static Status ResourceInUse(std::string message) {
    return Status(ErrorCode::kResourceInUse, std::move(message));
  }
  static Status ConditionalCheckFailed(std::string message,
                                       std::shared_ptr<const Payload> payload = nullptr) {
    return Status(ErrorCode::kConditionalCheckFailed, std::move(message), std::move(payload));
  }
  static Status Internal(std::string message) {
    return Status(ErrorCode::kInternalServerError, std::move(message));
  }
  static Status Serialization(std::string message) {
    return Status(ErrorCode::kSerialization, std::move(message));
  }

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  const std::string& message() const;
  const Payload* payload() const { return state_ ? state_->payload.get() : nullptr; }
  // "ValidationException: message" (for logs and tests).
  std::string ToString() const;

 private:
  struct State {
    ErrorCode code;
    std::string message;
    std::shared_ptr<const Payload> payload;
  };
  std::shared_ptr<const State> state_;
};

// A value or an error, like absl::StatusOr.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ddbd

#define DDBD_CONCAT_INNER_(a, b) a##b
#define DDBD_CONCAT_(a, b) DDBD_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` is an error Status.
#define DDBD_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::ddbd::Status ddbd_status_ = (expr);        \
    if (!ddbd_status_.ok()) return ddbd_status_; \
  } while (0)

// `lhs = value of expr` or return its error. `lhs` may be a declaration.
#define DDBD_ASSIGN_OR_RETURN(lhs, expr) \
  DDBD_ASSIGN_OR_RETURN_IMPL_(DDBD_CONCAT_(ddbd_result_, __LINE__), lhs, expr)
#define DDBD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
