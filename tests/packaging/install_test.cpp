// `cmake --install` and the systemd unit: files land in bin/, lib/systemd/system/ and
// share/doc/pdu2mqtt/; the installed unit starts the installed binary, keeps its hardening,
// and passes `systemd-analyze verify`.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "packaging/packaging_support.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::test::packaging {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A unit file: section -> key -> every value given (keys may repeat).
using unit_file = std::map<std::string, std::multimap<std::string, std::string>>;

unit_file parse_unit(const std::string& text) {
  unit_file unit;
  std::istringstream lines(text);
  std::string line;
  std::string section;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      unit[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    unit[section].emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return unit;
}

std::vector<std::string> values(const unit_file& unit, const std::string& section,
                                const std::string& key) {
  std::vector<std::string> found;
  auto it = unit.find(section);
  if (it == unit.end()) return found;
  auto [begin, end] = it->second.equal_range(key);
  for (auto i = begin; i != end; ++i)
    found.push_back(i->second);
  return found;
}

command_result cmake_install(const fs::path& prefix, const environment& env = {}) {
  return run_command({"cmake", "--install", build_dir().string(), "--prefix", prefix.string()},
                     120s, env);
}

// One install for the tests that only look at the result.
class installed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = std::make_unique<temp_dir>();
    result_ = cmake_install(prefix_->path());
  }
  static void TearDownTestSuite() { prefix_.reset(); }

  void SetUp() override {
    ASSERT_EQ(result_.exit_code, 0) << result_.stdout_text << result_.stderr_text;
  }

  static const fs::path& prefix() { return prefix_->path(); }
  static fs::path unit_path() {
    return prefix() / "lib" / "systemd" / "system" / "pdu2mqtt.service";
  }

  static inline std::unique_ptr<temp_dir> prefix_;
  static inline command_result result_;
};

TEST_F(installed, files_land_in_bin_unit_dir_and_docdir) {
  auto binary = prefix() / "bin" / "pdu2mqtt";
  ASSERT_TRUE(fs::is_regular_file(binary));
  EXPECT_NE(fs::status(binary).permissions() & fs::perms::owner_exec, fs::perms::none);
  auto version = run_command({binary.string(), "--version"}, 30s);
  EXPECT_EQ(version.exit_code, 0) << version.stderr_text;

  EXPECT_TRUE(fs::is_regular_file(unit_path()));
  auto doc = prefix() / "share" / "doc" / "pdu2mqtt";
  EXPECT_TRUE(fs::is_regular_file(doc / "README.md"));
  EXPECT_TRUE(fs::is_regular_file(doc / "pdu2mqtt.example.json"));
  EXPECT_EQ(read_text(doc / "pdu2mqtt.example.json"),
            read_text(repo_root() / "config" / "pdu2mqtt.example.json"));

  // The unit is world-readable (systemd reads it as root, `systemctl cat` as anyone) and is
  // in the manifest like every other installed file.
  EXPECT_NE(fs::status(unit_path()).permissions() & fs::perms::others_read, fs::perms::none);
  // (Another test's install may have rewritten the manifest since: look for the unit only.)
  auto manifest = read_text(build_dir() / "install_manifest.txt");
  EXPECT_NE(manifest.find("/lib/systemd/system/pdu2mqtt.service"), std::string::npos) << manifest;
}

TEST_F(installed, unit_starts_the_installed_binary) {
  auto unit = parse_unit(read_text(unit_path()));
  auto exec = values(unit, "Service", "ExecStart");
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0],
            (prefix() / "bin" / "pdu2mqtt").string() + " run --config /etc/pdu2mqtt/pdu2mqtt.json");
  EXPECT_EQ(read_text(unit_path()).find("/usr/local/"), std::string::npos)
      << "a path of the default prefix is left in the installed unit";
  auto docs = values(unit, "Unit", "Documentation");
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_TRUE(docs[0].starts_with("file:"));
  EXPECT_TRUE(fs::is_regular_file(docs[0].substr(5))) << docs[0];
}

TEST_F(installed, unit_passes_systemd_analyze_verify) {
  if (!on_path("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  auto result = run_command({"systemd-analyze", "verify", unit_path().string()}, 60s);
  EXPECT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  // verify exits 0 on some warnings; none may be about this unit.
  EXPECT_EQ(result.stderr_text.find("pdu2mqtt.service:"), std::string::npos) << result.stderr_text;
}

TEST_F(installed, unit_exposure_level_is_low) {
  if (!on_path("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  // systemd 252 rates this unit 1.4 ("OK"); dropping the Protect*/Restrict*/SystemCall*
  // lines takes it to 5.8. --threshold is in tenths: fail above 2.0.
  auto result = run_command(
      {"systemd-analyze", "security", "--offline=true", "--threshold=20", unit_path().string()},
      60s);
  if (result.stderr_text.find("--offline") != std::string::npos) {
    GTEST_SKIP() << "this systemd-analyze cannot rate a unit offline (systemd < 250)";
  }
  EXPECT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  EXPECT_NE(result.stdout_text.find("Overall exposure level for pdu2mqtt.service"),
            std::string::npos)
      << result.stdout_text;
}

TEST(install, destdir_stages_files_but_the_unit_names_the_final_paths) {
  temp_dir stage;
  const fs::path final_unit = "/opt/pdu2mqtt/lib/systemd/system/pdu2mqtt.service";
  bool existed = fs::exists(final_unit);
  auto result = cmake_install("/opt/pdu2mqtt", {{"DESTDIR", stage.path().string()}});
  ASSERT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  auto staged = stage.path() / "opt" / "pdu2mqtt";
  ASSERT_TRUE(fs::is_regular_file(staged / "bin" / "pdu2mqtt"));
  auto unit_path = staged / "lib" / "systemd" / "system" / "pdu2mqtt.service";
  ASSERT_TRUE(fs::is_regular_file(unit_path));
  auto unit = parse_unit(read_text(unit_path));
  EXPECT_EQ(values(unit, "Service", "ExecStart"),
            std::vector<std::string>{"/opt/pdu2mqtt/bin/pdu2mqtt run --config "
                                     "/etc/pdu2mqtt/pdu2mqtt.json"});
  EXPECT_EQ(values(unit, "Unit", "Documentation"),
            std::vector<std::string>{"file:/opt/pdu2mqtt/share/doc/pdu2mqtt/README.md"});
  if (!existed) {
    EXPECT_FALSE(fs::exists(final_unit)) << "DESTDIR was ignored";
  }
}

TEST(systemd_unit, has_the_documented_service_settings_and_hardening) {
  auto unit = parse_unit(read_text(repo_root() / "packaging" / "pdu2mqtt.service"));
  const std::vector<std::pair<std::string, std::string>> service = {
      {"Type", "exec"},
      {"ExecStart", "/usr/local/bin/pdu2mqtt run --config /etc/pdu2mqtt/pdu2mqtt.json"},
      {"DynamicUser", "yes"},
      {"ProtectSystem", "strict"},
      {"ProtectHome", "yes"},
      {"NoNewPrivileges", "yes"},
      {"PrivateTmp", "yes"},
      {"PrivateDevices", "yes"},
      {"RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
      {"CapabilityBoundingSet", ""},
      {"SystemCallFilter", "@system-service"},
      {"RuntimeDirectory", "pdu2mqtt"},
      {"Environment", "PDU2MQTT_STATUS_FILE=%t/pdu2mqtt/status.json"},
      {"Restart", "on-failure"},
      {"RestartSec", "5"},
  };
  for (auto& [key, value] : service) {
    auto found = values(unit, "Service", key);
    EXPECT_NE(std::find(found.begin(), found.end(), value), found.end())
        << "[Service] " << key << "=" << value;
  }
  EXPECT_EQ(values(unit, "Unit", "After"), std::vector<std::string>{"network-online.target"});
  EXPECT_EQ(values(unit, "Unit", "Wants"), std::vector<std::string>{"network-online.target"});
  EXPECT_EQ(values(unit, "Install", "WantedBy"), std::vector<std::string>{"multi-user.target"});
  // Nothing grants privileges back.
  for (auto& ambient : values(unit, "Service", "AmbientCapabilities"))
    EXPECT_EQ(ambient, "");
  EXPECT_TRUE(values(unit, "Service", "User").empty()) << "DynamicUser picks the user";
}

}  // namespace
}  // namespace pdu2mqtt::test::packaging
