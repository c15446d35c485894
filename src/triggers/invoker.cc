#include "triggers/invoker.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ddbd::triggers {
namespace {

Result<InvokeOutcome> InvokeHttp(const http::Url& url, const std::string& function_name,
                                 const std::string& qualifier, const std::string& event,
                                 std::chrono::milliseconds timeout,
                                 const std::atomic<bool>* cancel) {
  http::Request request;
  request.method = "POST";
  request.target = url.path + "/2015-03-31/functions/" + function_name + "/invocations";
  if (!qualifier.empty()) request.target += "?Qualifier=" + qualifier;
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Amz-Invocation-Type", "RequestResponse"},
                     {"X-Amz-Log-Type", "None"}};
  request.body = event;
  DDBD_ASSIGN_OR_RETURN(http::Response response, http::Send(url, request, timeout, cancel));
  if (response.status < 200 || response.status > 299) {
    std::string body = response.body.substr(0, 200);
    return Status::Internal("the Lambda endpoint answered HTTP " + std::to_string(response.status) +
                            ": " + body);
  }
  InvokeOutcome outcome;
  std::string_view error = response.Header("X-Amz-Function-Error");
  outcome.function_error = !error.empty();
  if (outcome.function_error) outcome.problem = "function error (" + std::string(error) + ")";
  outcome.payload = std::move(response.body);
  return outcome;
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  void Close(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

Result<InvokeOutcome> InvokeExec(const std::string& path, const std::string& function_name,
                                 const std::string& event, std::chrono::milliseconds timeout,
                                 const std::atomic<bool>* cancel) {
  Pipe in, out;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) env_storage.emplace_back(*e);
  env_storage.push_back("AWS_LAMBDA_FUNCTION_NAME=" + function_name);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string program = path;
  char* argv[] = {program.data(), nullptr};
  // The command gets default signal handling (ddbd ignores SIGPIPE).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::Internal("cannot run " + path + ": " + std::strerror(rc));
  in.Close(0);
  out.Close(1);
  fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  fcntl(out.fd[0], F_SETFL, O_NONBLOCK);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  if (event.empty()) in.Close(1);
  std::string output;
  bool timed_out = false;
  while (out.fd[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (cancel != nullptr && cancel->load())) {
      timed_out = true;
      break;
    }
    pollfd fds[2];
    int n = 0;
    fds[n++] = {out.fd[0], POLLIN, 0};
    if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
    if (poll(fds, n, static_cast<int>(std::min<int64_t>(left.count(), 100))) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in.fd[1], event.data() + written, event.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) in.Close(1);  // the command stopped reading
      if (written == event.size()) in.Close(1);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t r = read(out.fd[0], buf, sizeof(buf));
      if (r > 0) {
        output.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || errno != EAGAIN) {
        out.Close(0);
      }
    }
  }
  in.Close(1);
  if (timed_out) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  InvokeOutcome outcome;
  outcome.payload = std::move(output);
  if (timed_out) {
    outcome.function_error = true;
    outcome.problem = "function timed out";
  } else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    outcome.function_error = true;
    outcome.problem =
        WIFEXITED(wstatus)
            ? "function error (exit status " + std::to_string(WEXITSTATUS(wstatus)) + ")"
            : "function error (killed by signal " + std::to_string(WTERMSIG(wstatus)) + ")";
  }
  return outcome;
}

Result<FunctionTarget> ParseTarget(const std::string& text) {
  FunctionTarget target;
  if (text.rfind("exec:", 0) == 0) {
    target.kind = FunctionTarget::Kind::kExec;
    target.path = text.substr(5);
    if (target.path.empty()) return Status::Internal("exec: needs a command path");
    return target;
  }
  DDBD_ASSIGN_OR_RETURN(target.url, http::ParseUrl(text));
  return target;
}

}  // namespace

Result<FunctionDirectory> FunctionDirectory::Make(const std::string& default_endpoint,
                                                  const std::vector<std::string>& functions) {
  FunctionDirectory dir;
  if (!default_endpoint.empty()) {
    auto target = ParseTarget(default_endpoint);
    if (!target.ok()) {
      return Status::Internal("--lambda-endpoint: " + target.status().message());
    }
    dir.default_ = *target;
  }
  for (const auto& entry : functions) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Internal("--lambda-function wants NAME=URL or NAME=exec:PATH, got " + entry);
    }
    auto target = ParseTarget(entry.substr(eq + 1));
    if (!target.ok()) {
      return Status::Internal("--lambda-function " + entry + ": " + target.status().message());
    }
    dir.functions_[entry.substr(0, eq)] = *target;
  }
  return dir;
}

std::optional<FunctionTarget> FunctionDirectory::Find(const std::string& name) const {
  if (auto it = functions_.find(name); it != functions_.end()) return it->second;
  return default_;
}

Result<InvokeOutcome> Invoke(const FunctionTarget& target, const std::string& function_name,
                             const std::string& qualifier, const std::string& event,
                             std::chrono::milliseconds timeout, const std::atomic<bool>* cancel) {
  // A command that exits without reading its input must not kill the server.
  static const bool ignore_sigpipe = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignore_sigpipe;
  if (target.kind == FunctionTarget::Kind::kExec) {
    return InvokeExec(target.path, function_name, event, timeout, cancel);
  }
  return InvokeHttp(target.url, function_name, qualifier, event, timeout, cancel);
}

}  // namespace ddbd::triggers
