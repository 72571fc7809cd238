// Child processes and temp dirs for tests: fork+exec with only async-signal-safe calls in the
// child, output captured in unlinked files, every wait bounded.
#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace pdu2mqtt::test {
namespace {

constexpr auto poll_interval = 5ms;
// After SIGKILL the kernel reaps promptly; longer means a process stuck in the kernel (D state).
constexpr auto kill_timeout = 10s;

std::filesystem::path temp_base() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int open_capture_file() {
  std::string name = (temp_base() / "pdu2mqtt-test-output-XXXXXX").string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) throw_errno("mkostemp " + name);
  // Unlinked at once: nothing is left behind even if the test process crashes.
  ::unlink(name.c_str());
  return fd;
}

std::string_view key_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

std::string lookup(const environment& extra_env, std::string_view key) {
  for (const auto& [name, value] : extra_env) {
    if (name == key) return value;
  }
  const char* inherited = std::getenv(std::string(key).c_str());
  return inherited != nullptr ? inherited : "";
}

// execvp is not async-signal-safe, so PATH is searched before fork and execve gets a path.
std::string find_executable(const std::string& name, const environment& extra_env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path_var = lookup(extra_env, "PATH");
  if (path_var.empty()) path_var = "/usr/local/bin:/usr/bin:/bin";
  std::string_view rest = path_var;
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    const std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : std::string(dir)) / name;
    std::error_code ignored;
    if (::access(candidate.c_str(), X_OK) == 0 &&
        !std::filesystem::is_directory(candidate, ignored)) {
      return candidate.string();
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  throw std::runtime_error(name + ": not found on PATH (" + path_var + ")");
}

std::vector<std::string> merged_environment(const environment& extra_env) {
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view key = key_of(*entry);
    const bool replaced = std::any_of(extra_env.begin(), extra_env.end(),
                                      [&](const auto& extra) { return extra.first == key; });
    if (!replaced) merged.emplace_back(*entry);
  }
  for (const auto& [name, value] : extra_env)
    merged.push_back(std::string(name).append("=").append(value));
  return merged;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings)
    pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

struct child_setup {
  const char* path;
  char* const* argv;
  char* const* envp;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int error_fd;  // close-on-exec: EOF tells the parent that exec succeeded
  pid_t parent;
};

[[noreturn]] void report_and_exit(int error_fd) noexcept {
  const int error = errno;
  // If even this write fails the parent still sees exit status 127; nothing more to do.
  [[maybe_unused]] const ssize_t written = ::write(error_fd, &error, sizeof error);
  ::_exit(127);
}

// Runs between fork and exec in a copy of a possibly multithreaded process: only
// async-signal-safe calls (POSIX XSH 2.4.3), no allocation, no locks.
[[noreturn]] void exec_child(const child_setup& setup) noexcept {
  ::setpgid(0, 0);
  // Die with the test process; if it already died before prctl, the reparenting shows.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) report_and_exit(setup.error_fd);
  if (::getppid() != setup.parent) ::_exit(127);

  // Ignored signals stay ignored across exec (e.g. SIGPIPE ignored by a runner); handlers are
  // reset before unblocking so a pending signal cannot run the parent's handler here.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    ::sigaction(signal_number, &default_action, nullptr);  // EINVAL for KILL/STOP: fine
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (::dup2(setup.stdin_fd, STDIN_FILENO) < 0 || ::dup2(setup.stdout_fd, STDOUT_FILENO) < 0 ||
      ::dup2(setup.stderr_fd, STDERR_FILENO) < 0) {
    report_and_exit(setup.error_fd);
  }
  // Descriptors inherited from the test process without O_CLOEXEC (sockets of other fixtures,
  // library internals) must not leak into the child. Failure (old kernel) is not fatal.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(setup.path, setup.argv, setup.envp);
  report_and_exit(setup.error_fd);
}

}  // namespace

temp_dir::temp_dir() {
  std::string name = (temp_base() / "pdu2mqtt-test-XXXXXX").string();
  if (::mkdtemp(name.data()) == nullptr) throw_errno("mkdtemp " + name);
  path_ = name;
}

temp_dir::~temp_dir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

temp_dir::temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

temp_dir& temp_dir::operator=(temp_dir&& other) noexcept {
  if (this != &other) {
    temp_dir discarded(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

std::filesystem::path temp_dir::write_file(std::string_view name, std::string_view content) const {
  auto file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

child_process::child_process(std::vector<std::string> argv, const environment& extra_env) {
  start(std::move(argv), extra_env);
}

child_process::~child_process() {
  stop();
  close_files();
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(std::exchange(other.status_, std::nullopt)),
      argv_(std::move(other.argv_)),
      stdout_(std::exchange(other.stdout_, {})),
      stderr_(std::exchange(other.stderr_, {})) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    stop();
    close_files();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    argv_ = std::move(other.argv_);
    stdout_ = std::exchange(other.stdout_, {});
    stderr_ = std::exchange(other.stderr_, {});
  }
  return *this;
}

void child_process::start(std::vector<std::string> argv, const environment& extra_env) {
  if (pid_ > 0) throw std::logic_error("child_process already running: " + describe(argv_));
  if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
  close_files();
  status_.reset();
  argv_ = argv;

  // Everything the child needs is built here: after fork it may not allocate.
  const std::string path = find_executable(argv.front(), extra_env);
  std::vector<std::string> env_strings = merged_environment(extra_env);
  const std::vector<char*> argv_pointers = c_strings(argv);
  const std::vector<char*> env_pointers = c_strings(env_strings);

  stdout_ = {open_capture_file(), {}};
  stderr_ = {open_capture_file(), {}};
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw_errno("open /dev/null");
  std::array<int, 2> error_pipe{};
  if (::pipe2(error_pipe.data(), O_CLOEXEC) != 0) {
    ::close(null_fd);
    throw_errno("pipe2");
  }

  const child_setup setup{path.c_str(), argv_pointers.data(), env_pointers.data(), null_fd,
                          stdout_.fd,   stderr_.fd,           error_pipe[1],       ::getpid()};
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(setup);
  const int fork_errno = errno;
  ::close(error_pipe[1]);
  ::close(null_fd);
  if (pid < 0) {
    ::close(error_pipe[0]);
    errno = fork_errno;
    throw_errno("fork for " + describe(argv_));
  }
  // Also from this side, so the group exists before anyone signals it (the usual race).
  ::setpgid(pid, pid);
  pid_ = pid;

  int child_errno = 0;
  ssize_t received = 0;
  do {
    received = ::read(error_pipe[0], &child_errno, sizeof child_errno);
  } while (received < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (received == sizeof child_errno) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    status_ = 127;
    throw std::runtime_error("cannot execute " + describe(argv_) + ": " +
                             std::strerror(child_errno));
  }
}

bool child_process::try_reap() noexcept {
  if (pid_ <= 0) return status_.has_value();
  siginfo_t info{};
  // WNOWAIT looks without reaping: while the leader is an unreaped zombie its id cannot be
  // reused, so signalling the group below cannot hit an unrelated process.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno == EINTR) return false;
    // ECHILD: reaped behind our back (SIGCHLD ignored by someone); the status is lost.
    pid_ = -1;
    status_ = -1;
    return true;
  }
  if (info.si_pid == 0) return false;
  // Stragglers of the group (children of `sh -c`) go with the child: no orphans.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = decode_status(status);
  pid_ = -1;
  return true;
}

bool child_process::running() {
  return pid_ > 0 && !try_reap();
}

std::optional<int> child_process::exit_code() {
  try_reap();
  return status_;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (try_reap()) return status_;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(poll_interval, deadline - now));
  }
}

int child_process::stop(std::chrono::milliseconds grace) noexcept {
  if (pid_ <= 0) return status_.value_or(-1);
  if (!try_reap()) {
    ::kill(-pid_, SIGTERM);
    if (!wait(grace)) {
      ::kill(-pid_, SIGKILL);
      if (!wait(kill_timeout)) {
        std::cerr << "child_process: pid " << pid_ << " survived SIGKILL for "
                  << kill_timeout.count() << "s: " << describe(argv_) << '\n';
        return -1;
      }
    }
  }
  return status_.value_or(-1);
}

void child_process::signal(int signal_number) {
  if (running()) ::kill(-pid_, signal_number);
}

const std::string& child_process::refresh(captured& stream) const {
  if (stream.fd < 0) return stream.text;
  std::array<char, 65536> buffer{};
  while (true) {
    const ssize_t n =
        ::pread(stream.fd, buffer.data(), buffer.size(), static_cast<off_t>(stream.text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    stream.text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return stream.text;
}

bool child_process::wait_for_output(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Checked before reading, so whatever a child printed just before exiting is still seen.
    const bool ended = !running();
    if (refresh(stdout_).find(text) != std::string::npos ||
        refresh(stderr_).find(text) != std::string::npos) {
      return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (ended || now >= deadline) return false;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(poll_interval, deadline - now));
  }
}

std::string child_process::stdout_text() const {
  return refresh(stdout_);
}
std::string child_process::stderr_text() const {
  return refresh(stderr_);
}

std::string child_process::output() const {
  std::string text = "$ " + describe(argv_) + "\n";
  if (status_) text += "(exit status " + std::to_string(*status_) + ")\n";
  text += "--- stdout ---\n" + refresh(stdout_);
  text += "\n--- stderr ---\n" + refresh(stderr_) + "\n";
  return text;
}

void child_process::close_files() noexcept {
  for (captured* stream : {&stdout_, &stderr_}) {
    if (stream->fd >= 0) ::close(stream->fd);
    stream->fd = -1;
  }
}

command_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                           const environment& extra_env) {
  child_process child(std::move(argv), extra_env);
  command_result result;
  std::optional<int> code = child.wait(timeout);
  if (!code) {
    result.timed_out = true;
    code = child.stop(500ms);
  }
  result.exit_code = *code;
  result.stdout_text = child.stdout_text();
  result.stderr_text = child.stderr_text();
  return result;
}

std::string describe(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    const bool plain =
        !arg.empty() && arg.find_first_of(" \t\n'\"\\$*?;&|<>()") == std::string::npos;
    line += plain ? arg : "'" + arg + "'";
  }
  return line;
}

}  // namespace pdu2mqtt::test
