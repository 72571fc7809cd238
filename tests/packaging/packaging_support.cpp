// Helpers for the packaging tests: repository paths, a Dockerfile reader, YAML, docker-compose.
#include "packaging/packaging_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/process.hpp"

namespace pdu2mqtt::test::packaging {

namespace fs = std::filesystem;

fs::path repo_root() {
  return fs::path(PDU2MQTT_FIXTURES).parent_path().parent_path();
}

fs::path build_dir() {
  return fs::path(PDU2MQTT_BINARY).parent_path();
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    auto candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

namespace {

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool is_separator(const std::string& word) {
  return word == "&&" || word == "||" || word == ";" || word == "|";
}

}  // namespace

std::vector<instruction> parse_dockerfile(std::string_view text) {
  std::vector<instruction> result;
  std::istringstream lines{std::string(text)};
  std::string raw;
  std::string pending;
  int pending_line = 0;
  int number = 0;
  while (std::getline(lines, raw)) {
    ++number;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;  // comments, also inside continuations
    if (pending.empty()) pending_line = number;
    bool continues = line.back() == '\\';
    if (continues) line.pop_back();
    pending += (pending.empty() ? "" : " ") + trim(line);
    if (continues) continue;
    auto space = pending.find_first_of(" \t");
    instruction ins;
    ins.keyword = upper(pending.substr(0, space));
    ins.args = space == std::string::npos ? "" : trim(pending.substr(space));
    ins.line = pending_line;
    result.push_back(std::move(ins));
    pending.clear();
  }
  if (!pending.empty()) throw std::runtime_error("Dockerfile ends inside a continuation");
  return result;
}

std::vector<build_stage> dockerfile_stages(std::string_view text) {
  std::vector<build_stage> stages;
  for (auto& ins : parse_dockerfile(text)) {
    if (ins.keyword == "FROM") {
      auto words = split_words(ins.args);
      build_stage stage;
      // FROM [--platform=...] image [AS name]
      std::size_t i = 0;
      while (i < words.size() && words[i].starts_with("--"))
        ++i;
      if (i < words.size()) stage.image = words[i];
      if (i + 2 < words.size() && upper(words[i + 1]) == "AS") stage.name = words[i + 2];
      stages.push_back(std::move(stage));
    } else if (!stages.empty()) {
      stages.back().instructions.push_back(std::move(ins));
    }
  }
  return stages;
}

std::vector<const instruction*> build_stage::all(std::string_view keyword) const {
  std::vector<const instruction*> found;
  for (auto& ins : instructions) {
    if (ins.keyword == keyword) found.push_back(&ins);
  }
  return found;
}

const instruction* build_stage::last(std::string_view keyword) const {
  auto found = all(keyword);
  return found.empty() ? nullptr : found.back();
}

std::vector<std::string> build_stage::apt_packages() const {
  std::vector<std::string> packages;
  for (auto* run : all("RUN")) {
    auto words = split_words(run->args);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i] != "apt-get" && words[i] != "apt") continue;
      std::size_t j = i + 1;
      while (j < words.size() && words[j].starts_with("-"))
        ++j;  // apt-get -y install
      if (j >= words.size() || words[j] != "install") continue;
      for (++j; j < words.size() && !is_separator(words[j]); ++j) {
        auto word = words[j];
        bool last = word.ends_with(';');
        if (last) word.pop_back();
        if (!word.empty() && !word.starts_with("-")) {
          packages.push_back(word.substr(0, word.find('=')));
        }
        if (last) break;
      }
    }
  }
  return packages;
}

std::optional<std::vector<std::string>> exec_form(std::string_view args) {
  auto text = trim(args);
  if (!text.starts_with("[")) return std::nullopt;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<std::string> argv;
  for (auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    argv.push_back(item.get<std::string>());
  }
  return argv;
}

nlohmann::json yaml_to_json(const std::string& yaml_text) {
  temp_dir dir;
  auto file = dir.write_file("input.yaml", yaml_text);
  auto result =
      run_command({"python3", "-c",
                   "import json, sys, yaml\n"
                   "json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)\n",
                   file.string()},
                  30s);
  if (result.exit_code != 0) {
    throw std::runtime_error("python3 could not read the YAML: " + result.stderr_text);
  }
  return nlohmann::json::parse(result.stdout_text);
}

std::optional<std::vector<std::string>> compose_command() {
  if (on_path("docker") && run_command({"docker", "compose", "version"}, 20s).exit_code == 0) {
    return std::vector<std::string>{"docker", "compose"};
  }
  if (on_path("docker-compose") && run_command({"docker-compose", "version"}, 20s).exit_code == 0) {
    return std::vector<std::string>{"docker-compose"};
  }
  return std::nullopt;
}

}  // namespace pdu2mqtt::test::packaging
