// The Dockerfile, checked without a Docker engine: the runtime stage installs a package for
// every shared library the built binary links (ldd + dpkg on this Debian 12 machine, the same
// release as the image), runs as a non-root user with a working healthcheck, and the build
// stage builds from exactly what .dockerignore lets into the context.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "packaging/packaging_support.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::test::packaging {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// In debian:bookworm-slim already (and needed by apt itself).
const std::set<std::string> base_image_packages = {"libc6", "libstdc++6", "libgcc-s1"};

std::vector<build_stage> stages() {
  return dockerfile_stages(read_text(repo_root() / "Dockerfile"));
}

const build_stage& runtime_stage(const std::vector<build_stage>& all) {
  if (all.empty()) throw std::runtime_error("Dockerfile has no FROM");
  return all.back();
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (auto& item : list)
    out += (out.empty() ? "" : " ") + item;
  return out;
}

// KEY=value pairs of every ENV instruction in a stage (the later one wins).
std::map<std::string, std::string> environment_of(const build_stage& stage) {
  std::map<std::string, std::string> env;
  for (auto* ins : stage.all("ENV")) {
    for (auto& word : split_words(ins->args)) {
      auto eq = word.find('=');
      if (eq != std::string::npos) env[word.substr(0, eq)] = word.substr(eq + 1);
    }
  }
  return env;
}

std::string os_release_codename() {
  try {
    std::smatch match;
    auto text = read_text("/etc/os-release");
    if (std::regex_search(text, match, std::regex("VERSION_CODENAME=(\\w+)"))) return match[1];
  } catch (const std::exception&) {
  }
  return {};
}

// The Debian package owning a file, trying the path as given, resolved, and with or without
// the /usr prefix (Debian 12 merges /lib into /usr/lib, dpkg knows one spelling).
std::string package_owning(const fs::path& file) {
  std::vector<std::string> candidates = {file.string()};
  std::error_code ec;
  auto resolved = fs::canonical(file, ec);
  if (!ec) candidates.push_back(resolved.string());
  for (auto copy = candidates; auto& path : copy) {
    if (path.starts_with("/usr/")) {
      candidates.push_back(path.substr(4));
    } else {
      candidates.push_back("/usr" + path);
    }
  }
  for (auto& path : candidates) {
    auto result = run_command({"dpkg-query", "-S", path}, 30s);
    if (result.exit_code != 0) continue;
    // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
    auto line = result.stdout_text.substr(0, result.stdout_text.find('\n'));
    auto owners = line.substr(0, line.find(": "));
    auto first = owners.substr(0, owners.find(','));
    return first.substr(0, first.find(':'));
  }
  return {};
}

// True if the installed package `name` declares Provides: `package`.
bool provides(const std::string& name, const std::string& package) {
  auto result = run_command({"dpkg-query", "-W", "-f=${Provides}", name}, 30s);
  if (result.exit_code != 0) return false;
  std::istringstream items(result.stdout_text);
  std::string item;
  while (std::getline(items, item, ',')) {
    auto words = split_words(item);  // "name (= version)"
    if (!words.empty() && words.front() == package) return true;
  }
  return false;
}

bool package_known(const std::string& name) {
  return run_command({"dpkg-query", "-W", name}, 30s).exit_code == 0 ||
         run_command({"apt-cache", "show", "-q", name}, 30s).exit_code == 0;
}

TEST(dockerfile, builds_on_debian_bookworm_and_runs_on_bookworm_slim) {
  auto all = stages();
  ASSERT_GE(all.size(), 2u) << "a build stage and a runtime stage";
  EXPECT_EQ(all.front().image, "debian:bookworm");
  EXPECT_EQ(runtime_stage(all).image, "debian:bookworm-slim");

  // The runtime stage takes only the binary from the build stage.
  bool copies_binary = false;
  for (auto* copy : runtime_stage(all).all("COPY")) {
    auto words = split_words(copy->args);
    if (words.size() >= 3 && words.front() == "--from=" + all.front().name &&
        words.back() == "/usr/local/bin/pdu2mqtt") {
      copies_binary = true;
    }
  }
  EXPECT_TRUE(copies_binary) << "COPY --from=" << all.front().name
                             << " ... /usr/local/bin/pdu2mqtt";
}

TEST(dockerfile, runtime_packages_cover_every_linked_library) {
  if (os_release_codename() != "bookworm") {
    GTEST_SKIP() << "the image is Debian 12 (bookworm); this machine is '" << os_release_codename()
                 << "', so its package names may differ";
  }
  if (!on_path("ldd") || !on_path("dpkg-query")) GTEST_SKIP() << "needs ldd and dpkg-query";

  auto runtime = runtime_stage(stages());
  auto installed = runtime.apt_packages();
  ASSERT_FALSE(installed.empty()) << "the runtime stage installs no package";

  auto ldd = run_command({"ldd", PDU2MQTT_BINARY}, 30s);
  ASSERT_EQ(ldd.exit_code, 0) << ldd.stderr_text;

  std::set<std::string> needed;
  std::istringstream lines(ldd.stdout_text);
  std::string line;
  int libraries = 0;
  while (std::getline(lines, line)) {
    auto words = split_words(line);
    if (words.empty()) continue;
    std::string path;
    auto arrow = std::find(words.begin(), words.end(), "=>");
    if (arrow != words.end()) {
      ASSERT_TRUE(arrow + 1 != words.end() && *(arrow + 1) != "not") << "unresolved: " << line;
      path = *(arrow + 1);
    } else if (words.front().starts_with("/")) {
      path = words.front();  // the dynamic loader
    } else {
      continue;  // linux-vdso: in the kernel
    }
    ++libraries;
    auto package = package_owning(path);
    ASSERT_FALSE(package.empty()) << "no Debian package owns " << path;
    needed.insert(package);
  }
  ASSERT_GT(libraries, 3) << ldd.stdout_text;

  for (auto& package : needed) {
    if (base_image_packages.contains(package)) continue;
    // The sanitizer runtimes of an ASan/UBSan test build: the image builds the release preset.
    if (package.starts_with("libasan") || package.starts_with("libubsan") ||
        package.starts_with("liblsan") || package.starts_with("libtsan")) {
      continue;
    }
    bool provided = contains(installed, package) ||
                    std::any_of(installed.begin(), installed.end(),
                                [&](const std::string& name) { return provides(name, package); });
    EXPECT_TRUE(provided) << "pdu2mqtt links a library from " << package
                          << ", which the runtime stage does not install (it installs: "
                          << joined(installed) << ")";
  }
  // Every package named exists in Debian (a typo would only show in `docker build`).
  for (auto& name : installed) {
    EXPECT_TRUE(package_known(name)) << "unknown Debian package in the runtime stage: " << name;
  }
}

TEST(dockerfile, runtime_user_is_not_root) {
  auto runtime = runtime_stage(stages());
  auto* user = runtime.last("USER");
  ASSERT_NE(user, nullptr) << "no USER: the container would run as root";
  auto name = user->args.substr(0, user->args.find(':'));
  EXPECT_NE(name, "root");
  bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
  if (numeric) {
    EXPECT_NE(std::stol(name), 0) << "USER " << user->args;
  }
  // The user exists in the image (so `id`, logs and file ownership show a name).
  bool created = false;
  for (auto* run : runtime.all("RUN")) {
    if (run->args.find("useradd") == std::string::npos) continue;
    created = created ||
              (numeric ? std::regex_search(run->args, std::regex("(--uid|-u)[ =]" + name + "\\b"))
                       : run->args.find(name) != std::string::npos);
  }
  EXPECT_TRUE(created) << "USER " << user->args << " is not created by a useradd in the stage";
}

TEST(dockerfile, healthcheck_runs_pdu2mqtt_health) {
  auto runtime = runtime_stage(stages());
  auto* check = runtime.last("HEALTHCHECK");
  ASSERT_NE(check, nullptr);
  auto cmd = check->args.find("CMD ");
  ASSERT_NE(cmd, std::string::npos) << check->args;
  auto argv = exec_form(check->args.substr(cmd + 4));
  ASSERT_TRUE(argv.has_value()) << "use the exec form, the image has a shell but needs none";
  ASSERT_EQ(argv->size(), 2u) << check->args;
  EXPECT_TRUE((*argv)[0] == "pdu2mqtt" || (*argv)[0].ends_with("/pdu2mqtt")) << (*argv)[0];
  EXPECT_EQ((*argv)[1], "health");
  auto options = check->args.substr(0, cmd);
  EXPECT_NE(options.find("--start-period="), std::string::npos) << options;
  EXPECT_NE(options.find("--interval="), std::string::npos) << options;

  // health finds the bridge's status file through the same variable.
  auto env = environment_of(runtime);
  ASSERT_TRUE(env.contains("PDU2MQTT_STATUS_FILE"));
  EXPECT_TRUE(env["PDU2MQTT_STATUS_FILE"].starts_with("/tmp/") ||
              env["PDU2MQTT_STATUS_FILE"].starts_with("/run/"))
      << env["PDU2MQTT_STATUS_FILE"];
}

TEST(dockerfile, entrypoint_runs_the_bridge_on_the_config_volume) {
  auto runtime = runtime_stage(stages());
  auto* entrypoint = runtime.last("ENTRYPOINT");
  auto* cmd = runtime.last("CMD");
  ASSERT_NE(entrypoint, nullptr);
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(exec_form(entrypoint->args), std::vector<std::string>{"pdu2mqtt"});
  EXPECT_EQ(exec_form(cmd->args), std::vector<std::string>{"run"});

  auto env = environment_of(runtime);
  EXPECT_EQ(env["PDU2MQTT_CONFIG"], "/config/pdu2mqtt.json");
  auto* volume = runtime.last("VOLUME");
  ASSERT_NE(volume, nullptr);
  EXPECT_NE(volume->args.find("/config"), std::string::npos) << volume->args;

  bool labelled = false;
  for (auto* label : runtime.all("LABEL")) {
    labelled = labelled || label->args.find("org.opencontainers.image.title") != std::string::npos;
  }
  EXPECT_TRUE(labelled) << "OCI labels";
}

TEST(dockerfile, apt_layers_skip_recommends_and_drop_package_lists) {
  int installs = 0;
  for (auto& stage : stages()) {
    for (auto* run : stage.all("RUN")) {
      if (run->args.find("apt-get install") == std::string::npos) continue;
      ++installs;
      EXPECT_NE(run->args.find("--no-install-recommends"), std::string::npos)
          << "Dockerfile:" << run->line;
      EXPECT_NE(run->args.find("apt-get update"), std::string::npos)
          << "Dockerfile:" << run->line << ": update in the same layer as install";
      EXPECT_NE(run->args.find("rm -rf /var/lib/apt/lists/*"), std::string::npos)
          << "Dockerfile:" << run->line;
    }
  }
  EXPECT_EQ(installs, 2);
}

TEST(dockerfile, build_stage_has_every_dev_package_scripts_setup_installs) {
  auto setup = read_text(repo_root() / "scripts" / "setup");
  auto begin = setup.find("packages=(");
  ASSERT_NE(begin, std::string::npos);
  auto end = setup.find(')', begin);
  auto listed = split_words(setup.substr(begin + 10, end - begin - 10));
  // Only the test suites and the fuzz build need these.
  const std::set<std::string> test_only = {"libgtest-dev", "libgmock-dev", "libclang-rt-14-dev"};

  auto all = stages();
  auto build = all.front().apt_packages();
  int checked = 0;
  for (auto& package : listed) {
    if (!package.ends_with("-dev") || test_only.contains(package)) continue;
    ++checked;
    EXPECT_TRUE(contains(build, package))
        << package << " is in scripts/setup but not in the Dockerfile's build stage";
  }
  EXPECT_GE(checked, 5);
  for (const char* tool : {"build-essential", "cmake", "ninja-build"}) {
    EXPECT_TRUE(contains(build, tool)) << tool;
  }
  for (auto& package : build) {
    EXPECT_FALSE(test_only.contains(package)) << package << ": the image builds no tests";
  }

  bool release_without_tests = false;
  for (auto* run : all.front().all("RUN")) {
    release_without_tests =
        release_without_tests || (run->args.find("--preset release") != std::string::npos &&
                                  run->args.find("-DPDU2MQTT_TESTS=OFF") != std::string::npos);
  }
  EXPECT_TRUE(release_without_tests);
}

TEST(dockerfile, version_label_matches_the_cmake_project_version) {
  std::smatch match;
  auto cmake = read_text(repo_root() / "CMakeLists.txt");
  ASSERT_TRUE(std::regex_search(cmake, match, std::regex("project\\(pdu2mqtt VERSION ([0-9.]+)")));
  std::string project_version = match[1];
  auto docker = read_text(repo_root() / "Dockerfile");
  ASSERT_TRUE(std::regex_search(docker, match, std::regex("ARG PDU2MQTT_VERSION=([0-9.]+)")));
  EXPECT_EQ(match[1], project_version);
}

// .dockerignore, read as Docker does for these patterns: each line a path pattern relative to
// the context root (fnmatch with FNM_PATHNAME); a match excludes a directory with everything
// in it; `!pattern` re-includes; the last matching line wins.
class dockerignore {
 public:
  explicit dockerignore(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      auto words = split_words(line);
      if (words.empty() || words.front().starts_with("#")) continue;
      auto pattern = words.front();
      bool negated = pattern.starts_with("!");
      if (negated) pattern.erase(0, 1);
      while (pattern.starts_with("/"))
        pattern.erase(0, 1);
      while (pattern.ends_with("/"))
        pattern.pop_back();
      rules_.push_back({pattern, negated});
    }
  }

  bool excluded(const fs::path& relative) const {
    bool out = false;
    for (auto& rule : rules_) {
      // The path itself or any directory above it.
      fs::path prefix;
      for (auto& part : relative) {
        prefix /= part;
        if (::fnmatch(rule.pattern.c_str(), prefix.c_str(), FNM_PATHNAME) == 0) {
          out = !rule.negated;
          break;
        }
      }
    }
    return out;
  }

 private:
  struct rule {
    std::string pattern;
    bool negated;
  };
  std::vector<rule> rules_;
};

TEST(dockerfile, build_context_from_dockerignore_configures_the_release_preset) {
  if (!on_path("cmake")) GTEST_SKIP() << "needs cmake";
  auto root = repo_root();
  dockerignore ignore(read_text(root / ".dockerignore"));
  EXPECT_TRUE(ignore.excluded(".git"));
  EXPECT_TRUE(ignore.excluded("build-release/pdu2mqtt"));
  EXPECT_FALSE(ignore.excluded("src/main.cpp"));
  EXPECT_FALSE(ignore.excluded("CMakeLists.txt"));

  // The context Docker would send, copied.
  temp_dir context;
  std::size_t files = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    auto relative = fs::relative(it->path(), root);
    if (ignore.excluded(relative)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    auto target = context.path() / relative;
    if (it->is_symlink()) {
      fs::copy_symlink(it->path(), target);
    } else if (it->is_directory()) {
      fs::create_directories(target);
    } else if (it->is_regular_file()) {
      fs::copy_file(it->path(), target);
      ++files;
    }
  }
  ASSERT_GT(files, 10u);
  EXPECT_FALSE(fs::exists(context.path() / ".git"));

  // The Dockerfile's build step, configure only (the build itself is what the dev build does).
  auto configure =
      run_command({"sh", "-c", "cd \"$0\" && cmake --preset release -DPDU2MQTT_TESTS=OFF",
                   context.path().string()},
                  180s);
  EXPECT_EQ(configure.exit_code, 0) << configure.stdout_text << configure.stderr_text;
  EXPECT_TRUE(fs::exists(context.path() / "build-release" / "build.ninja"));
}

}  // namespace
}  // namespace pdu2mqtt::test::packaging
