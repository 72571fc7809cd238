// Child processes for tests (daemons under test, net-snmp and mosquitto tools) and temporary
// directories: RAII, every wait bounded, no zombies, children die with the test process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pdu2mqtt::test {

using namespace std::chrono_literals;

// Variables added to (or replacing those of) the test process's environment.
using environment = std::vector<std::pair<std::string, std::string>>;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(temp_dir&& other) noexcept;
  temp_dir& operator=(temp_dir&& other) noexcept;
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

  // Writes (replaces) a file inside the directory and returns its full path.
  std::filesystem::path write_file(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

// One child process. stdout and stderr go to two unlinked temp files, so a chatty child can
// never block on a full pipe and the output stays readable after it exits.
//
// The child runs in its own process group (stop() signals the whole group, reaching the
// grandchildren of `sh -c`), with stdin on /dev/null, default signal dispositions, and
// PR_SET_PDEATHSIG=SIGKILL. Linux ties PDEATHSIG to the *thread* that forked, so start
// children from the test's main thread (or one that outlives them). The kernel also clears
// PDEATHSIG when the child changes credentials (a daemon dropping root): keep such daemons
// from dropping, or drop for them with `setpriv --reuid=... --pdeathsig=KILL`.
//
// Not thread-safe: one test thread drives it.
class child_process {
 public:
  child_process() = default;
  // Starts at once; throws std::runtime_error if the program cannot be executed.
  explicit child_process(std::vector<std::string> argv, const environment& extra_env = {});
  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // argv[0] without a '/' is looked up on PATH. Throws if this object already runs a child.
  void start(std::vector<std::string> argv, const environment& extra_env = {});

  bool started() const noexcept { return pid_ > 0 || status_.has_value(); }
  bool running();
  pid_t pid() const noexcept { return pid_; }
  const std::vector<std::string>& argv() const noexcept { return argv_; }

  // The exit status once the child has ended (128 + signal number if a signal killed it, as
  // a shell reports it); nullopt while it runs or if it never started. Never blocks.
  std::optional<int> exit_code();
  // Waits at most timeout for the child to end; nullopt if it is still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM to the group, SIGKILL after grace, then reap. Returns the exit status (also for
  // a child that had already ended); -1 if there was no child.
  int stop(std::chrono::milliseconds grace = 3s) noexcept;
  // Sends a signal to the child's process group (e.g. SIGKILL to simulate a crash).
  void signal(int signal_number);

  // True once text appears in stdout or stderr; false after timeout, or as soon as the child
  // has exited without printing it (no point waiting for a dead process).
  bool wait_for_output(std::string_view text, std::chrono::milliseconds timeout);

  std::string stdout_text() const;
  std::string stderr_text() const;
  // Both streams, labelled, with the command line: for failure messages.
  std::string output() const;

 private:
  struct captured {
    int fd = -1;
    std::string text;  // what has been read so far; the file only grows
  };
  const std::string& refresh(captured& stream) const;
  bool try_reap() noexcept;
  void close_files() noexcept;

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::vector<std::string> argv_;
  mutable captured stdout_;
  mutable captured stderr_;
};

struct command_result {
  int exit_code = -1;  // 128 + signal if killed (also when killed for timing out)
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs a short-lived tool to completion; kills it (and reports timed_out) after timeout.
command_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                           const environment& extra_env = {});

// The command line as one readable string, for messages.
std::string describe(const std::vector<std::string>& argv);

}  // namespace pdu2mqtt::test
