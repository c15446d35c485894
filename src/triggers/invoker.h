// Calling the user's functions: over the Lambda Invoke API at an HTTP endpoint
// (POST <endpoint>/2015-03-31/functions/NAME/invocations, what `sam local start-lambda` and the
// Lambda runtime interface emulator serve), or by running a local command per batch (the event
// on its standard input, its standard output the function's response, a non-zero exit status a
// function error).
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "http/client.h"

namespace ddbd::triggers {

struct FunctionTarget {
  enum class Kind { kHttp, kExec } kind = Kind::kHttp;
  http::Url url;     // kHttp: the Lambda API endpoint
  std::string path;  // kExec: the command
};

// Where functions run, from --lambda-endpoint and --lambda-function NAME=URL|exec:PATH.
class FunctionDirectory {
 public:
  // Error (naming the bad option) if a URL or an entry is malformed.
  static Result<FunctionDirectory> Make(const std::string& default_endpoint,
                                        const std::vector<std::string>& functions);
  // The target of function `name`, or nullopt if ddbd has no endpoint for it.
  std::optional<FunctionTarget> Find(const std::string& name) const;

 private:
  std::optional<FunctionTarget> default_;
  std::map<std::string, FunctionTarget> functions_;
};

struct InvokeOutcome {
  bool function_error = false;  // the function failed (X-Amz-Function-Error, exit status)
  std::string payload;          // the function's response
  std::string problem;          // what failed, for logs and LastProcessingResult
};

// Invokes `function_name` synchronously with `event`. An error Status when the function could
// not be called (connection refused, timeout, an HTTP error status); a function that ran and
// failed is an InvokeOutcome with function_error.
// Setting *cancel abandons the call (a command is killed).
Result<InvokeOutcome> Invoke(const FunctionTarget& target, const std::string& function_name,
                             const std::string& qualifier, const std::string& event,
                             std::chrono::milliseconds timeout, const std::atomic<bool>* cancel);

}  // namespace ddbd::triggers
