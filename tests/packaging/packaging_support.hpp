// Helpers for the packaging tests: where the repository and the build are, a small Dockerfile
// reader, YAML through python3, and the docker-compose command available here.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdu2mqtt::test::packaging {

// The repository: tests/fixtures' grandparent.
std::filesystem::path repo_root();
// The build directory the binary under test lives in (its RUNTIME_OUTPUT_DIRECTORY).
std::filesystem::path build_dir();

// Whole file; throws std::runtime_error if it cannot be read.
std::string read_text(const std::filesystem::path& file);

// Whitespace-separated words.
std::vector<std::string> split_words(std::string_view text);

// True if an executable of that name is on PATH.
bool on_path(std::string_view program);

// One Dockerfile instruction after joining `\` continuations and dropping comment lines (as
// Docker does, also inside a continuation).
struct instruction {
  std::string keyword;  // upper case: FROM, RUN, ...
  std::string args;     // the rest, continuations joined with a space
  int line = 0;         // where it starts, 1-based
};

struct build_stage {
  std::string image;                      // FROM's image
  std::string name;                       // FROM ... AS name, or empty
  std::vector<instruction> instructions;  // after FROM, up to the next FROM

  // Instructions with this keyword, in order.
  std::vector<const instruction*> all(std::string_view keyword) const;
  // The last one with this keyword (the one that takes effect), or nullptr.
  const instruction* last(std::string_view keyword) const;
  // Every package named by `apt-get install` (or `apt install`) in this stage's RUNs,
  // options and `=version` suffixes removed.
  std::vector<std::string> apt_packages() const;
};

std::vector<instruction> parse_dockerfile(std::string_view text);
std::vector<build_stage> dockerfile_stages(std::string_view text);

// An exec-form argument list (`["a", "b"]`) as strings; nullopt for the shell form.
std::optional<std::vector<std::string>> exec_form(std::string_view args);

// YAML (a file's text) as JSON, converted by python3's yaml module. Throws
// std::runtime_error with python's message if that fails.
nlohmann::json yaml_to_json(const std::string& yaml_text);

// The compose command on this machine: {"docker", "compose"} (v2) if it works, else
// {"docker-compose"} (v1, validates without an engine), else nullopt.
std::optional<std::vector<std::string>> compose_command();

}  // namespace pdu2mqtt::test::packaging
