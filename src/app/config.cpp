// Config validation: JSON with comments → bridge_config, stopping at the first problem in
// document order with one line that names the file and the key path. Secrets never reach it.
#include "pdu2mqtt/app/config.hpp"

#include <algorithm>
#include <array>
#include <asio/ip/address.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <utility>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "pdu2mqtt/common/slug.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::app {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;
using key_list = std::span<const std::string_view>;

class config_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "config"; }

  std::string message(int value) const override {
    switch (static_cast<config_errc>(value)) {
      case config_errc::unreadable:
        return "cannot read the configuration";
      case config_errc::syntax:
        return "configuration is not valid JSON";
      case config_errc::invalid:
        return "invalid configuration";
    }
    return "unknown configuration error";
  }
};

// Thrown while validating, caught in parse_config: the first problem ends the walk.
struct config_failure {
  config_errc code;
  std::string path;  // empty: about the whole file
  std::string message;
};

[[noreturn]] void fail(std::string path, std::string message,
                       config_errc code = config_errc::invalid) {
  throw config_failure{code, std::move(path), std::move(message)};
}

std::string type_name(const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::null:
      return "null";
    case ordered_json::value_t::boolean:
      return "a boolean";
    case ordered_json::value_t::string:
      return "a string";
    case ordered_json::value_t::number_integer:
    case ordered_json::value_t::number_unsigned:
    case ordered_json::value_t::number_float:
      return "a number";
    case ordered_json::value_t::array:
      return "an array";
    case ordered_json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

// What a refused value was, for "(got ...)". Containers are named, never dumped: they can be
// large or deeply nested. A secret's value is never shown, only its type.
std::string describe(const ordered_json& v, bool secret = false) {
  if (secret || v.is_array() || v.is_object() || v.is_discarded() || v.is_binary()) {
    return type_name(v);
  }
  if (v.is_string()) return json_quoted(v.get_ref<const std::string&>());
  return v.dump();
}

bool is_plain_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || (key[0] >= '0' && key[0] <= '9')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (!is_plain_key(key)) return std::string(parent) + "[" + json_quoted(key) + "]";
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string element_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

// nlohmann::json keeps the last of two equal keys without a word; a config that says
// "port" twice is a mistake worth naming. Also bounds the nesting depth.
class structure_tracker {
 public:
  bool on_event(ordered_json::parse_event_t event, const ordered_json& parsed) {
    using event_t = ordered_json::parse_event_t;
    switch (event) {
      case event_t::object_start:
      case event_t::array_start:
        enter(event == event_t::object_start);
        break;
      case event_t::key: {
        auto& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) duplicates_.insert(child_path(top.path, top.key));
        break;
      }
      case event_t::object_end:
      case event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case event_t::value:
        element_done();
        break;
    }
    return true;
  }

  const std::set<std::string>& duplicates() const noexcept { return duplicates_; }

 private:
  struct frame {
    bool object = false;
    std::string path;
    std::set<std::string> keys;
    std::string key;        // the member being parsed (objects)
    std::size_t index = 0;  // the element being parsed (arrays)
  };

  void enter(bool object) {
    std::string path;
    if (!frames_.empty()) {
      const auto& parent = frames_.back();
      path = parent.object ? child_path(parent.path, parent.key)
                           : element_path(parent.path, parent.index);
    }
    if (frames_.size() >= max_config_nesting) {
      fail(path, "nested deeper than " + std::to_string(max_config_nesting) + " levels");
    }
    frames_.push_back(frame{object, std::move(path), {}, {}, 0});
  }

  void element_done() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }

  std::vector<frame> frames_;
  std::set<std::string> duplicates_;
};

// nlohmann's byte is 1-based and points at the character where parsing stopped.
std::string line_and_column(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  std::size_t line = 1;
  std::size_t column = 1;
  for (; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if (!is_utf8_continuation_byte(text[i])) {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message ends in "; last read: '<the text>'", which may be half a password: keep
// only the fixed parts (what was being parsed, the lexer's complaint, what was expected).
std::string syntax_message(std::string_view what) {
  // nlohmann's lexer_t::token_type_name(): the only texts that may follow "; expected ".
  // clang-format off
  static constexpr std::array<std::string_view, 16> token_names{
      "<uninitialized>", "true literal", "false literal", "null literal", "string literal",
      "number literal", "'['", "'{'", "']'", "'}'", "':'", "','", "<parse error>",
      "end of input", "'[', '{', or a literal", "unknown token"};
  // clang-format on
  const auto colon = what.find(": ");
  if (colon == std::string_view::npos) return "invalid JSON";
  std::string_view message = what.substr(colon + 2);
  std::string out;
  const auto last_read = message.find("; last read: '");
  if (last_read == std::string_view::npos) {
    out = std::string(message);
  } else {
    out = std::string(message.substr(0, last_read));
    for (const auto name : token_names) {
      const std::string suffix = "'; expected " + std::string(name);
      if (message.ends_with(suffix)) {
        out += "; expected " + std::string(name);
        break;
      }
    }
  }
  if (out.find("unexpected '}'") != std::string::npos ||
      out.find("unexpected ']'") != std::string::npos) {
    out += " (a comma after the last item?)";
  }
  return out;
}

ordered_json parse_json(std::string_view text, structure_tracker& tracker) {
  const ordered_json::parser_callback_t callback =
      [&tracker](int, ordered_json::parse_event_t event, ordered_json& parsed) {
        return tracker.on_event(event, parsed);
      };
  try {
    return ordered_json::parse(text, callback, true, /*ignore_comments=*/true);
  } catch (const ordered_json::parse_error& e) {
    throw config_failure{config_errc::syntax, line_and_column(text, e.byte),
                         syntax_message(e.what())};
  } catch (const ordered_json::out_of_range&) {
    // Only number overflow (406) gets here; its text repeats the number, which is harmless,
    // but it has no position.
    fail("", "a number is too large for a double", config_errc::syntax);
  }
}

// Bounded: pointing a key at /dev/zero must not eat the memory. subject names the file in
// messages ("the file", "password file \"/run/secrets/mqtt\"").
std::string read_file_bounded(const fs::path& path, std::size_t limit, const std::string& key_path,
                              const std::string& subject) {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  const auto cannot_read = [&](int error) {
    fail(key_path, "cannot read " + subject + ": " + std::generic_category().message(error),
         config_errc::unreadable);
  };
  if (!file) cannot_read(errno);
  std::string content;
  std::array<char, 4096> buffer;
  while (true) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    content.append(buffer.data(), n);
    if (content.size() > limit) {
      fail(key_path, subject + " is larger than " + std::to_string(limit / 1024) + " KiB",
           config_errc::unreadable);
    }
    if (n < buffer.size()) {
      if (std::ferror(file.get())) cannot_read(errno != 0 ? errno : EIO);
      break;
    }
  }
  return content;
}

// A password file's content without its trailing newline; key_path names the key in errors.
std::string read_secret_file(const fs::path& full, const std::string& key_path) {
  const std::string subject = "password file " + json_quoted(full.string(), 200);
  std::error_code ec;
  const auto status = fs::status(full, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    // A FIFO or a device would block or never end.
    fail(key_path, subject + " is not a regular file", config_errc::unreadable);
  }
  std::string password = read_file_bounded(full, max_password_file_size, key_path, subject);
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) fail(key_path, subject + " is empty", config_errc::unreadable);
  return password;
}

// Optimal string alignment distance, ASCII case folded: a swap of two neighbours costs 1, so
// "hots" is one step from "host".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = pdu2mqtt::ascii_lower(a[i - 1]) == pdu2mqtt::ascii_lower(b[j - 1]);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + !same});
      if (i > 1 && j > 1 && pdu2mqtt::ascii_lower(a[i - 1]) == pdu2mqtt::ascii_lower(b[j - 2]) &&
          pdu2mqtt::ascii_lower(a[i - 2]) == pdu2mqtt::ascii_lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

constexpr auto top_keys =
    std::to_array<std::string_view>({"mqtt", "pdus", "log_level", "log_format", "http"});
constexpr auto http_keys = std::to_array<std::string_view>(
    {"listen", "username", "password_file", "read_only", "allowed_hosts"});
constexpr auto mqtt_keys = std::to_array<std::string_view>(
    {"url", "client_id", "username", "password", "password_file", "base_topic", "discovery_prefix",
     "keepalive_s", "qos", "discovery", "discovery_mode", "retain_state", "protocol", "tls"});
constexpr auto mqtt_tls_keys = std::to_array<std::string_view>(
    {"ca_file", "cert_file", "key_file", "key_password_file", "verify_hostname"});
constexpr auto pdu_keys = std::to_array<std::string_view>(
    {"id", "name", "host", "port", "snmp", "poll_interval_ms", "max_varbinds",
     "offline_after_failures", "command_timeout_ms", "read_only", "protected_outlets",
     "confirm_reboot", "min_power_cycle_interval_s", "max_commands_per_s", "capability_recheck_s"});
constexpr auto snmp_keys = std::to_array<std::string_view>(
    {"version", "community", "write_community", "user", "auth_protocol", "auth_password",
     "auth_password_file", "priv_protocol", "priv_password", "priv_password_file", "context",
     "timeout_ms", "retries"});
// Keys that mean something only with "version": "3", and those only without it.
constexpr auto snmp_v3_keys = std::to_array<std::string_view>(
    {"user", "auth_protocol", "auth_password", "auth_password_file", "priv_protocol",
     "priv_password", "priv_password_file", "context"});
constexpr auto snmp_community_keys =
    std::to_array<std::string_view>({"community", "write_community"});

bool contains(key_list keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string unknown_key_message(std::string_view key, key_list known) {
  // A key that exists one level up or down is the commonest slip; name where it goes.
  static constexpr std::array<std::pair<key_list, std::string_view>, 5> sections{{
      {top_keys, "at the top level"},
      {mqtt_keys, "in \"mqtt\""},
      {mqtt_tls_keys, "in \"mqtt\".\"tls\""},
      {pdu_keys, "in an entry of \"pdus\""},
      {snmp_keys, "in a PDU's \"snmp\""},
  }};
  for (const auto& [keys, where] : sections) {
    if (keys.data() != known.data() && contains(keys, key)) {
      return "unknown key here; it belongs " + std::string(where);
    }
  }
  if (key.size() <= 64) {
    std::string_view best;
    // One slip in a short key, two in a longer one: "tls" is not a typo of "qos".
    std::size_t best_distance = key.size() <= 4 ? 2 : 3;
    for (const auto candidate : known) {
      const std::size_t d = edit_distance(key, candidate);
      if (d < best_distance) {
        best = candidate;
        best_distance = d;
      }
    }
    if (!best.empty()) return "unknown key; did you mean \"" + std::string(best) + "\"?";
  }
  std::string list;
  for (const auto k : known) {
    list += (list.empty() ? "" : ", ") + std::string(k);
  }
  return "unknown key (known here: " + list + ")";
}

std::string env_pdu_variable(std::string_view pdu_id, std::string_view suffix) {
  std::string name = "PDU2MQTT_PDU_";
  for (const char c : pdu_id) {
    name += c == '-' ? '_' : ascii_upper(c);
  }
  return name + "_" + std::string(suffix);
}

template <class Int>
std::string range_text(Int min, Int max) {
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

void check_topic_prefix(const std::string& value, const std::string& path) {
  const auto got = " (got " + json_quoted(value) + ")";
  if (value.empty()) fail(path, "must not be empty");
  if (value.size() > 256) fail(path, "must be at most 256 bytes long");
  if (value.find_first_of("+#") != std::string::npos) {
    fail(path, "must not contain the MQTT wildcards + or #" + got);
  }
  if (has_control_character(value)) fail(path, "must not contain control characters" + got);
  if (value.front() == '$') {
    fail(path, "must not start with $, which brokers reserve (MQTT 3.1.1, 4.7.2)" + got);
  }
  if (value.front() == '/' || value.back() == '/' || value.find("//") != std::string::npos) {
    fail(path, "must not start or end with / or have an empty level" + got);
  }
}

void check_host(const std::string& host, const std::string& path) {
  const auto got = " (got " + json_quoted(host) + ")";
  if (host.empty()) fail(path, "must not be empty");
  if (host.find("://") != std::string::npos) {
    fail(path, "must be a host name or address, without a scheme" + got);
  }
  if (host.size() > 253) fail(path, "must be at most 253 characters long");
  if (has_control_character(host) || host.find_first_of(" /@") != std::string::npos) {
    fail(path, "must be a host name or address" + got);
  }
  if (host.find_first_of("[]") != std::string::npos) {
    fail(path, "must be an address without brackets" + got);
  }
  if (std::count(host.begin(), host.end(), ':') == 1) {
    fail(path, "must not include a port: set \"port\"" + got);
  }
}

class validator {
 public:
  validator(const environment& env, fs::path base_dir, const std::set<std::string>& duplicates)
      : env_(env), base_dir_(std::move(base_dir)), duplicates_(duplicates) {}

  bridge_config run(const ordered_json& root) {
    if (!root.is_object()) {
      fail("", "must be a JSON object at the top level (got " + describe(root) + ")");
    }
    bridge_config config;
    for_each_key(root, "", top_keys, [&](const auto& key, const auto& value, const auto& path) {
      if (key == "mqtt") {
        read_mqtt(value, path, config.mqtt);
      } else if (key == "pdus") {
        if (!value.is_array()) fail(path, "must be an array of PDUs (got " + describe(value) + ")");
        for (std::size_t i = 0; i < value.size(); ++i) {
          config.pdus.push_back(read_pdu(value[i], element_path(path, i)));
        }
      } else if (key == "log_level") {
        config.logging.level = require_choice(value, path, log_level_names);
      } else if (key == "log_format") {
        config.logging.format = require_choice(value, path, log_format_names);
      } else if (key == "http") {
        read_http(value, path, config.http);
      }
    });
    apply_environment(config.mqtt);
    if (config.http.enabled) {
      if (auto password = lookup(env_http_password)) config.http.password = std::move(*password);
    }
    for (std::size_t i = 0; i < config.pdus.size(); ++i) {
      apply_environment(config.pdus[i], element_path("pdus", i) + ".snmp");
    }
    return config;
  }

 private:
  template <class F>
  void for_each_key(const ordered_json& object, const std::string& parent, key_list known,
                    F&& on_key) {
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      const std::string path = child_path(parent, key);
      if (duplicates_.contains(path)) fail(path, "appears more than once in the same object");
      if (!contains(known, key)) fail(path, unknown_key_message(key, known));
      on_key(key, item.value(), path);
    }
  }

  static void require_object(const ordered_json& value, const std::string& path) {
    if (!value.is_object()) fail(path, "must be an object (got " + describe(value) + ")");
  }

  static std::string require_string(const ordered_json& value, const std::string& path,
                                    bool secret = false) {
    if (!value.is_string()) {
      fail(path, "must be a string (got " + describe(value, secret) + ")");
    }
    return value.get<std::string>();
  }

  static std::string require_text(const ordered_json& value, const std::string& path,
                                  std::size_t max_bytes) {
    std::string s = require_string(value, path);
    if (s.empty()) fail(path, "must not be empty");
    if (s.size() > max_bytes) {
      fail(path, "must be at most " + std::to_string(max_bytes) + " bytes long");
    }
    if (has_control_character(s)) {
      fail(path, "must not contain control characters (got " + json_quoted(s) + ")");
    }
    return s;
  }

  static std::int64_t require_int(const ordered_json& value, const std::string& path,
                                  std::int64_t min, std::int64_t max) {
    if (value.is_number_unsigned()) {
      const auto u = value.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(u) >= min) {
        return static_cast<std::int64_t>(u);
      }
    } else if (value.is_number_integer()) {
      const auto i = value.get<std::int64_t>();
      if (i >= min && i <= max) return i;
    }
    fail(path, "must be " + range_text(min, max) + " (got " + describe(value) + ")");
  }

  static bool require_bool(const ordered_json& value, const std::string& path) {
    if (!value.is_boolean()) fail(path, "must be true or false (got " + describe(value) + ")");
    return value.get<bool>();
  }

  template <class T, std::size_t N>
  static T require_choice(const ordered_json& value, const std::string& path,
                          const std::pair<std::string_view, T> (&choices)[N]) {
    if (value.is_string()) {
      const auto& s = value.get_ref<const std::string&>();
      for (const auto& [name, choice] : choices) {
        if (s == name) return choice;
      }
    }
    std::string list;
    for (std::size_t i = 0; i < N; ++i) {
      list += (i == 0 ? "" : (i + 1 == N ? " or " : ", ")) + std::string("\"") +
              std::string(choices[i].first) + "\"";
    }
    fail(path, "must be " + list + " (got " + describe(value) + ")");
  }

  static std::string require_secret(const ordered_json& value, const std::string& path,
                                    std::size_t max_bytes) {
    std::string s = require_string(value, path, /*secret=*/true);
    if (s.size() > max_bytes) {
      fail(path, "must be at most " + std::to_string(max_bytes) + " bytes long");
    }
    return s;
  }

  static mqtt::broker_address require_broker(const std::string& url, const std::string& path) {
    auto parsed = mqtt::parse_broker_url(url);
    if (!parsed) {
      // A URL with user:password@ must not be repeated, so no "(got ...)" for those.
      const bool may_echo = url.find('@') == std::string::npos;
      fail(path, parsed.err().detail + (may_echo ? " (got " + json_quoted(url) + ")" : ""));
    }
    return std::move(parsed).value();
  }

  void read_mqtt(const ordered_json& value, const std::string& path, mqtt_config& m) {
    require_object(value, path);
    for_each_key(value, path, mqtt_keys, [&](const auto& key, const auto& v, const auto& p) {
      read_mqtt_key(key, v, p, m);
    });
  }

  void read_mqtt_key(const std::string& key, const ordered_json& v, const std::string& p,
                     mqtt_config& m) {
    if (key == "url") {
      m.url = require_string(v, p);
      m.broker = require_broker(m.url, p);
    } else if (key == "client_id") {
      m.client_id = require_text(v, p, 256);
    } else if (key == "username") {
      m.username = require_string(v, p);
      if (has_control_character(m.username)) fail(p, "must not contain control characters");
    } else if (key == "password") {
      std::string password = require_secret(v, p, max_password_file_size);
      if (!password.empty() && !m.password_file.empty()) {
        fail(p, "set either password or password_file, not both");
      }
      if (!password.empty()) m.password = std::move(password);
    } else if (key == "password_file") {
      std::string file = require_string(v, p);
      if (!file.empty() && !m.password.empty()) {
        fail(p, "set either password or password_file, not both");
      }
      if (!file.empty()) {
        m.password = read_password_file(file, p);
        m.password_file = std::move(file);
      }
    } else if (key == "base_topic") {
      m.base_topic = require_string(v, p);
      check_topic_prefix(m.base_topic, p);
    } else if (key == "discovery_prefix") {
      m.discovery_prefix = require_string(v, p);
      check_topic_prefix(m.discovery_prefix, p);
    } else if (key == "keepalive_s") {
      m.keepalive = std::chrono::seconds(require_int(v, p, 5, 3600));
    } else if (key == "qos") {
      const bool zero_or_one =
          v.is_number_integer() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1);
      if (!zero_or_one) fail(p, "must be 0 or 1 (got " + describe(v) + ")");
      m.qos = v.get<int>();
    } else if (key == "discovery") {
      m.discovery = require_bool(v, p);
    } else if (key == "discovery_mode") {
      m.discovery_mode = require_choice(v, p, ha::discovery_mode_names);
    } else if (key == "retain_state") {
      m.retain_state = require_bool(v, p);
    } else if (key == "protocol") {
      m.protocol = require_choice(v, p, mqtt::protocol_names);
    } else if (key == "tls") {
      read_mqtt_tls(v, p, m.tls);
    }
  }

  void read_mqtt_tls(const ordered_json& value, const std::string& path, mqtt::tls_options& t) {
    require_object(value, path);
    for_each_key(value, path, mqtt_tls_keys, [&](const auto& key, const auto& v, const auto& p) {
      if (key == "verify_hostname") {
        t.verify_hostname = require_bool(v, p);
        return;
      }
      std::string file = require_string(v, p);
      if (file.empty()) return;
      if (has_control_character(file)) {
        fail(p, "must be a file name (got " + json_quoted(file) + ")");
      }
      fs::path full(file);
      if (full.is_relative()) full = base_dir_ / full;
      if (key == "key_password_file") {
        t.key_password = read_secret_file(full, p);
        t.key_password_file = full.string();
        return;
      }
      check_pem_file(full, p, key);
      (key == "ca_file"     ? t.ca_file
       : key == "cert_file" ? t.cert_file
                            : t.key_file) = full.string();
    });
    if (!t.key_file.empty() && t.cert_file.empty()) {
      fail(child_path(path, "key_file"), "needs cert_file: the certificate this key belongs to");
    }
    if (!t.key_password_file.empty() && t.key_file.empty() && t.cert_file.empty()) {
      fail(child_path(path, "key_password_file"), "needs key_file: the key it unlocks");
    }
    tls_path_ = path;
  }

  // Read now so that a wrong path stops the bridge at start, naming the key, instead of
  // failing every connect. The content is not kept (Paho reads the file when it connects) and
  // never quoted: a key file holds a secret.
  static void check_pem_file(const fs::path& full, const std::string& path, std::string_view key) {
    const std::string subject = json_quoted(full.string(), 200);
    std::error_code ec;
    const auto status = fs::status(full, ec);
    if (fs::exists(status) && !fs::is_regular_file(status)) {
      fail(path, subject + " is not a regular file", config_errc::unreadable);
    }
    const std::string content = read_file_bounded(full, max_tls_file_size, path, subject);
    if (content.find("-----BEGIN ") == std::string::npos) {
      fail(path,
           subject + " is not PEM (no \"-----BEGIN\" line)" +
               (key == "key_file" ? "" : "; DER files can be converted with openssl x509"),
           config_errc::unreadable);
    }
  }

  std::string read_password_file(const std::string& file, const std::string& path) {
    if (has_control_character(file)) {
      fail(path, "must be a file name (got " + json_quoted(file) + ")");
    }
    fs::path full(file);
    if (full.is_relative()) full = base_dir_ / full;
    return read_secret_file(full, path);
  }

  // One entry alone (parse_pdu_entry): the ids already taken count as seen.
 public:
  pdu_config run_pdu(const ordered_json& entry, const std::vector<std::string>& taken_ids) {
    for (const auto& id : taken_ids)
      ids_.emplace_back(ascii_lower(id), "the running bridge");
    auto pdu = read_pdu(entry, "pdu");
    apply_environment(pdu, "pdu.snmp");
    return pdu;
  }

 private:
  // "listen": "PORT", "ADDRESS:PORT" or "[IPv6]:PORT". An address, not a name: binding to a
  // name that resolves to several addresses (or changes) is a surprise we avoid.
  static void read_listen(const std::string& text, const std::string& path, http_config& h) {
    const auto got = " (got " + json_quoted(text) + ")";
    std::string host = "127.0.0.1";
    std::string port = text;
    if (const auto colon = text.rfind(':'); colon != std::string::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      } else if (host.find(':') != std::string::npos) {
        fail(path, "an IPv6 address needs brackets: \"[::1]:8080\"" + got);
      }
      if (host == "localhost") host = "127.0.0.1";
    }
    std::error_code ec;
    (void)asio::ip::make_address(host, ec);
    if (ec)
      fail(path, "must be PORT or ADDRESS:PORT with an IP address, e.g. \"127.0.0.1:8080\"" + got);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(port) > 65535) fail(path, "must end in a port number 0-65535" + got);
    h.listen = text;
    h.host = host;
    h.port = static_cast<std::uint16_t>(std::stoul(port));
  }

  void read_http(const ordered_json& value, const std::string& path, http_config& h) {
    require_object(value, path);
    h.enabled = true;
    for_each_key(value, path, http_keys, [&](const auto& key, const auto& v, const auto& p) {
      if (key == "listen") {
        read_listen(require_string(v, p), p, h);
      } else if (key == "username") {
        h.username = require_text(v, p, 128);
        if (h.username.find(':') != std::string::npos) {
          fail(p, "must not contain ':' (HTTP basic auth separates the user name with it)");
        }
      } else if (key == "password_file") {
        std::string file = require_string(v, p);
        if (!file.empty()) {
          h.password = read_password_file(file, p);
          h.password_file = std::move(file);
        }
      } else if (key == "read_only") {
        h.read_only = require_bool(v, p);
      } else if (key == "allowed_hosts") {
        if (!v.is_array()) fail(p, "must be an array of host names (got " + describe(v) + ")");
        for (std::size_t i = 0; i < v.size(); ++i) {
          h.allowed_hosts.push_back(ascii_lower(require_text(v[i], element_path(p, i), 253)));
        }
      }
    });
  }

  pdu_config read_pdu(const ordered_json& value, const std::string& path) {
    require_object(value, path);
    pdu_config pdu;
    for_each_key(value, path, pdu_keys, [&](const auto& key, const auto& v, const auto& p) {
      read_pdu_key(key, v, p, pdu);
    });
    if (!value.contains("id")) fail(path, "missing required key \"id\"");
    if (!value.contains("host")) fail(path, "missing required key \"host\"");
    if (!value.contains("name")) pdu.name = pdu.id;
    return pdu;
  }

  void read_pdu_key(const std::string& key, const ordered_json& v, const std::string& p,
                    pdu_config& pdu) {
    if (key == "id") {
      pdu.id = require_string(v, p);
      if (!topics::is_topic_safe_id(pdu.id)) {
        fail(p,
             "must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics "
             "and Home Assistant ids) (got " +
                 json_quoted(pdu.id) + ")");
      }
      check_unique_id(pdu.id, p);
    } else if (key == "name") {
      pdu.name = require_text(v, p, 128);
    } else if (key == "host") {
      pdu.host = require_string(v, p);
      check_host(pdu.host, p);
    } else if (key == "port") {
      pdu.port = static_cast<std::uint16_t>(require_int(v, p, 1, 65535));
    } else if (key == "snmp") {
      read_snmp(v, p, pdu.snmp);
    } else if (key == "poll_interval_ms") {
      pdu.poll_interval = std::chrono::milliseconds(require_int(v, p, 100, 3'600'000));
    } else if (key == "max_varbinds") {
      pdu.max_varbinds = static_cast<std::size_t>(require_int(v, p, 1, 64));
    } else if (key == "offline_after_failures") {
      pdu.offline_after_failures = static_cast<int>(require_int(v, p, 1, 100));
    } else if (key == "command_timeout_ms") {
      pdu.command_timeout = std::chrono::milliseconds(require_int(v, p, 100, 600'000));
    } else if (key == "read_only") {
      pdu.read_only = require_bool(v, p);
    } else if (key == "protected_outlets") {
      pdu.protected_outlets = read_outlet_list(v, p);
    } else if (key == "confirm_reboot") {
      pdu.confirm_reboot = require_bool(v, p);
    } else if (key == "min_power_cycle_interval_s") {
      pdu.min_power_cycle_interval = std::chrono::seconds(require_int(v, p, 0, 86'400));
    } else if (key == "max_commands_per_s") {
      pdu.max_commands_per_s = static_cast<int>(require_int(v, p, 1, 1000));
    } else if (key == "capability_recheck_s") {
      const auto seconds = require_int(v, p, 0, 86'400);
      if (seconds != 0 && seconds < 60) {
        fail(p, "must be 0 (never) or 60 to 86400 seconds (got " + std::to_string(seconds) + ")");
      }
      pdu.capability_recheck = std::chrono::seconds(seconds);
    }
  }

  // Home Assistant lowercases entity ids, so "Rack-A" and "rack-a" would collide there.
  void check_unique_id(const std::string& id, const std::string& path) {
    const std::string folded = ascii_lower(id);
    for (const auto& [seen, seen_path] : ids_) {
      if (seen == folded) {
        fail(path, "duplicate id " + json_quoted(id) + ": " + seen_path +
                       " has it already (ids are compared ignoring case)");
      }
    }
    ids_.emplace_back(folded, path);
  }

  static std::vector<int> read_outlet_list(const ordered_json& value, const std::string& path) {
    if (!value.is_array()) {
      fail(path, "must be an array of outlet numbers (got " + describe(value) + ")");
    }
    std::vector<int> outlets;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto& v = value[i];
      const std::string p = element_path(path, i);
      const bool in_range = v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
                            v.get<std::uint64_t>() <= std::numeric_limits<int>::max();
      if (!in_range) {
        fail(p, "must be an outlet number, an integer of 1 or more (got " + describe(v) + ")");
      }
      const int outlet = v.get<int>();
      if (std::find(outlets.begin(), outlets.end(), outlet) != outlets.end()) {
        fail(p, "outlet " + std::to_string(outlet) + " is listed twice");
      }
      outlets.push_back(outlet);
    }
    return outlets;
  }

  void read_snmp(const ordered_json& value, const std::string& path, snmp_config& s) {
    require_object(value, path);
    for_each_key(value, path, snmp_keys, [&](const auto& key, const auto& v, const auto& p) {
      read_snmp_key(key, v, p, s);
    });
    // Checked once the whole object is read: "version" may come after the keys it governs.
    const bool v3 = s.version == snmp::version::v3;
    for (const auto key : v3 ? key_list(snmp_community_keys) : key_list(snmp_v3_keys)) {
      if (!value.contains(key)) continue;
      fail(child_path(path, std::string(key)),
           v3 ? "is not used by SNMPv3, which authenticates a \"user\" with pass phrases"
              : "is for SNMPv3 only: set \"version\": \"3\" or remove it");
    }
    if (!v3) return;
    if (!value.contains("user")) fail(path, "missing required key \"user\" (SNMPv3)");
    auto& u = s.user;
    if (u.priv != snmp::v3::priv_protocol::none && u.auth == snmp::v3::auth_protocol::none) {
      fail(child_path(path, "priv_protocol"),
           "needs an auth_protocol: SNMPv3 has no privacy without authentication (RFC 3414 "
           "3.1.1)");
    }
    const auto unused = [&](std::string_view key, bool used, std::string_view protocol_key) {
      if (value.contains(key) && !used) {
        fail(child_path(path, std::string(key)),
             "is set, but " + std::string(protocol_key) + " is \"none\" (or missing)");
      }
    };
    const bool auth = u.auth != snmp::v3::auth_protocol::none;
    const bool priv = u.priv != snmp::v3::priv_protocol::none;
    unused("auth_password", auth, "auth_protocol");
    unused("auth_password_file", auth, "auth_protocol");
    unused("priv_password", priv, "priv_protocol");
    unused("priv_password_file", priv, "priv_protocol");
  }

  // One pass phrase: inline or from a file, never both (the environment may override later).
  void read_pass_phrase(const std::string& key, const ordered_json& v, const std::string& p,
                        std::string& password, std::string& file_name) {
    const bool from_file = key.ends_with("_file");
    std::string got = from_file ? require_string(v, p) : require_secret(v, p, 1024);
    if (got.empty()) return;
    if (!password.empty()) {
      fail(p, "set either " + key.substr(0, key.find("_file")) + " or " +
                  key.substr(0, key.find("_file")) + "_file, not both");
    }
    if (from_file) {
      password = read_password_file(got, p);
      file_name = std::move(got);
    } else {
      password = std::move(got);
    }
  }

  void read_snmp_key(const std::string& key, const ordered_json& v, const std::string& p,
                     snmp_config& s) {
    if (key == "version") {
      // 2 is the number people type for v2c; only the string "2c" says which v2 it is.
      if (v.is_number_integer() && v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= 3) {
        const auto n = v.get<std::int64_t>();
        fail(p, "must be the string \"1\", \"2c\" or \"3\" (got " + v.dump() + ": write \"" +
                    (n == 2 ? std::string("2c") : std::to_string(n)) + "\")");
      }
      s.version = require_choice(v, p, snmp::version_names);
    } else if (key == "user") {
      s.user.name = require_text(v, p, snmp::v3::max_user_name_length);
    } else if (key == "auth_protocol") {
      s.user.auth = require_choice(v, p, snmp::v3::auth_protocol_names);
    } else if (key == "priv_protocol") {
      s.user.priv = require_choice(v, p, snmp::v3::priv_protocol_names);
    } else if (key == "auth_password" || key == "auth_password_file") {
      read_pass_phrase(key, v, p, s.user.auth_password, s.auth_password_file);
    } else if (key == "priv_password" || key == "priv_password_file") {
      read_pass_phrase(key, v, p, s.user.priv_password, s.priv_password_file);
    } else if (key == "context") {
      s.user.context_name = require_string(v, p);
      if (s.user.context_name.size() > snmp::v3::max_context_name_length ||
          has_control_character(s.user.context_name)) {
        fail(p, "must be at most " + std::to_string(snmp::v3::max_context_name_length) +
                    " printable bytes (got " + json_quoted(s.user.context_name) + ")");
      }
    } else if (key == "community" || key == "write_community") {
      std::string community = require_secret(v, p, snmp::max_community_length);
      if (community.empty()) fail(p, "must not be empty");
      (key == "community" ? s.community : s.write_community) = std::move(community);
    } else if (key == "timeout_ms") {
      s.timeout = std::chrono::milliseconds(require_int(v, p, 10, 60'000));
    } else if (key == "retries") {
      s.retries = static_cast<int>(require_int(v, p, 0, 10));
    }
  }

  std::optional<std::string> lookup(std::string_view name) const {
    if (!env_) return std::nullopt;
    auto value = env_(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  }

  // The pass phrases from the environment, then what SNMPv3 needs of them (RFC 3414 11.2).
  void apply_environment(pdu_config& pdu, const std::string& path) const {
    auto& s = pdu.snmp;
    if (s.version != snmp::version::v3) return;
    const auto check = [&](std::string& password, bool needed, std::string_view kind,
                           const std::string& variable) {
      if (!needed) return;
      if (auto from_env = lookup(variable)) password = std::move(*from_env);
      const std::string key = path + "." + std::string(kind) + "_password";
      if (password.empty()) {
        fail(key + "_file", "missing: " + std::string(kind) +
                                "_protocol needs a pass phrase (set " + std::string(kind) +
                                "_password_file, " + std::string(kind) + "_password or " +
                                variable + ")");
      }
      if (password.size() < snmp::v3::min_password_length) {
        fail(key, "must be at least " + std::to_string(snmp::v3::min_password_length) +
                      " characters long (RFC 3414 11.2; agents refuse shorter ones)");
      }
    };
    check(s.user.auth_password, s.user.auth != snmp::v3::auth_protocol::none, "auth",
          env_pdu_auth_password(pdu.id));
    check(s.user.priv_password, s.user.priv != snmp::v3::priv_protocol::none, "priv",
          env_pdu_priv_password(pdu.id));
  }

  void apply_environment(mqtt_config& m) const {
    if (auto url = lookup(env_mqtt_url)) {
      m.broker = require_broker(*url, "mqtt.url (from " + std::string(env_mqtt_url) + ")");
      m.url = std::move(*url);
    }
    if (auto username = lookup(env_mqtt_username)) m.username = std::move(*username);
    if (auto password = lookup(env_mqtt_password)) m.password = std::move(*password);
    if (!m.password.empty() && m.username.empty()) {
      fail("mqtt.username",
           "must be set when a password is: MQTT sends no password without a user name (MQTT "
           "3.1.1, 3.1.2.9)");
    }
    // TLS settings with a plain URL are a mistake that would send the password in clear text.
    const auto& t = m.tls;
    const bool tls_set = !t.ca_file.empty() || !t.cert_file.empty() || !t.key_file.empty() ||
                         !t.key_password_file.empty() || !t.verify_hostname;
    if (tls_set && !m.broker.tls) {
      fail(tls_path_.empty() ? "mqtt.tls" : tls_path_,
           "is set, but mqtt.url is not mqtts:// (TLS): use mqtts://" +
               (m.broker.host.find(':') != std::string::npos ? "[" + m.broker.host + "]"
                                                             : m.broker.host) +
               ":8883, or remove \"tls\"");
    }
  }

  const environment& env_;
  fs::path base_dir_;
  const std::set<std::string>& duplicates_;
  std::vector<std::pair<std::string, std::string>> ids_;  // folded id, where it was set
  std::string tls_path_;                                  // "mqtt.tls" once read
};

std::string format_failure(std::string_view file_name, const config_failure& f) {
  std::string out(file_name);
  // Syntax errors carry "line:column" as their path, the compiler style editors jump to.
  if (f.code == config_errc::syntax && !f.path.empty()) {
    return out + ":" + f.path + ": " + f.message;
  }
  if (!f.path.empty()) out += ": " + f.path;
  return out + ": " + f.message;
}

constexpr std::string_view example_text =
    R"json(// pdu2mqtt example configuration: every key, at its default except a PDU's id, name, host and
// protected_outlets. JSON with comments; an unknown or invalid key stops the bridge, naming it.
{
  "mqtt": {
    // mqtt://host[:port] (default 1883) or mqtts://host[:port] (TLS, default 8883);
    // tcp:// and ssl:// also work. Overridden by PDU2MQTT_MQTT_URL.
    "url": "mqtt://127.0.0.1:1883",
    "client_id": "pdu2mqtt",
    // Empty: no credentials. Overridden by PDU2MQTT_MQTT_USERNAME.
    "username": "",
    // A file holding the password (trailing newline ignored), e.g. a container secret.
    // Preferred over "password": "..." in this file. PDU2MQTT_MQTT_PASSWORD overrides both.
    "password_file": "",
    // Every topic starts here: <base_topic>/<pdu id>/outlet/<n>/set, ...
    "base_topic": "pdu2mqtt",
    "discovery_prefix": "homeassistant",
    // Seconds between MQTT pings (5 to 3600); the broker declares us offline after 1.5 times
    // this without a packet (MQTT 3.1.1, 3.1.2.10).
    "keepalive_s": 30,
    // QoS of everything we publish and subscribe: 0 or 1.
    "qos": 1,
    // Publish Home Assistant discovery messages.
    "discovery": true,
    // "device": one discovery message per PDU (Home Assistant 2024.11 or newer);
    // "entity": one per entity, for older Home Assistant.
    "discovery_mode": "device",
    // Retain outlet and sensor states, so subscribers see them at once.
    "retain_state": true,
    // MQTT version: "auto" (5, or 3.1.1 from then on if the broker refuses 5), "5" or "3.1.1".
    "protocol": "auto",
    // For mqtts:// URLs (an error with mqtt://). Relative paths start at this file's folder.
    "tls": {
      // CA certificate(s), PEM, that signed the broker's certificate; "": the system's CAs.
      "ca_file": "",
      // Our certificate and its key, PEM, for a broker that requires client certificates.
      "cert_file": "",
      "key_file": "",
      // A file holding the password of an encrypted key_file.
      "key_password_file": "",
      // The broker's certificate must name the URL's host. false: any certificate from a
      // trusted CA is accepted (a warning is logged).
      "verify_hostname": true
    }
  },
  "pdus": [
    {
      // Topic-safe ([A-Za-z0-9_-], up to 64), unique ignoring case: it is part of every topic.
      "id": "rack-a",
      // Name shown in Home Assistant; defaults to the id.
      "name": "Rack A PDU",
      // Host name or address (IPv4, or IPv6 without brackets) of the PDU's SNMP agent, without
      // scheme or port. A name with IPv4 and IPv6 addresses is polled over IPv4.
      "host": "10.0.0.5",
      "port": 161,
      "snmp": {
        // "1", "2c" or "3". SNMPv1/v2c send the communities in clear text: anyone on the LAN
        // who sees one SET can switch outlets. With "3", replace the two communities by:
        //   "user": "bridge",
        //   "auth_protocol": "SHA-256",  // none, MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
        //   "auth_password_file": "/run/secrets/pdu-auth",  // or PDU2MQTT_PDU_<ID>_AUTH_PASSWORD
        //   "priv_protocol": "AES",      // none, DES, AES, AES-192, AES-256
        //   "priv_password_file": "/run/secrets/pdu-priv",  // or PDU2MQTT_PDU_<ID>_PRIV_PASSWORD
        //   "context": ""
        // Pass phrases: at least 8 characters; files are read relative to this file.
        "version": "2c",
        "community": "public",
        // Used only for SETs (switching outlets).
        "write_community": "private",
        // Per attempt, 10 to 60000; then "retries" more attempts (0 to 10).
        "timeout_ms": 1000,
        "retries": 2
      },
      // 100 to 3600000.
      "poll_interval_ms": 5000,
      // Variables per SNMP request, 1 to 64: CyberPower agents drop requests with more than
      // about 12.
      "max_varbinds": 10,
      // Failed polls in a row (1 to 100) before the PDU is reported offline: a PDU that stops
      // answering is offline within this x timeout_ms x (retries + 1), plus one poll interval.
      "offline_after_failures": 3,
      // How long a switched outlet may take to report its new state (100 to 600000).
      "command_timeout_ms": 10000,
      // true: only read, never send a SET; outlets show as binary sensors.
      "read_only": false,
      // Outlets never switched OFF or rebooted (e.g. the one feeding this bridge's network).
      "protected_outlets": [1],
      // true: REBOOT is refused unless sent as {"state": "REBOOT", "confirm": true} (Home
      // Assistant's reboot buttons send that), so a stray "REBOOT" cannot power-cycle anything.
      "confirm_reboot": false,
      // After an outlet was switched OFF or rebooted, refuse OFF and REBOOT for it for this many
      // seconds (0 to 86400; 0: no limit): protects equipment from flapping automations.
      "min_power_cycle_interval_s": 0,
      // Commands accepted per second for this PDU (1 to 1000, bursts up to as many); the rest
      // are refused with one summary on <id>/error, so a flood never reaches the PDU.
      "max_commands_per_s": 10,
      // Look again every this many seconds for readings the PDU has (an ENVIROSENSOR plugged
      // in later); 0: only when the PDU is discovered, else 60 to 86400.
      "capability_recheck_s": 600
    }
  ],
  // trace, debug, info, warn, error or off.
  "log_level": "info",
  // "text" or "json" (one JSON object per line).
  "log_format": "text"
  // The built-in web page (docs/web.md) is off unless this section is there:
  // "http": {
  //   // PORT or ADDRESS:PORT; loopback unless you name another address.
  //   "listen": "127.0.0.1:8080",
  //   // HTTP basic auth when password_file is set (or PDU2MQTT_HTTP_PASSWORD).
  //   "username": "admin",
  //   "password_file": "",
  //   // Show everything, switch nothing.
  //   "read_only": false,
  //   // Host names (besides IP addresses and localhost) the page answers without a password.
  //   "allowed_hosts": []
  // }
}
)json";

}  // namespace

const std::error_category& config_category() noexcept {
  static const config_error_category category;
  return category;
}

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

environment empty_environment() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

environment environment_from(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

result<bridge_config> parse_config(std::string_view text, std::string_view file_name,
                                   const environment& env) {
  try {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      fail("", "the file is empty", config_errc::syntax);
    }
    structure_tracker tracker;
    const ordered_json root = parse_json(text, tracker);
    validator v(env, fs::path(file_name).parent_path(), tracker.duplicates());
    return v.run(root);
  } catch (const config_failure& f) {
    return result<bridge_config>(f.code, format_failure(file_name, f));
  }
}

result<bridge_config> load_config_file(const std::filesystem::path& path, const environment& env) {
  const std::string name = path.string();
  std::string text;
  try {
    text = read_file_bounded(path, max_config_file_size, "", "the file");
  } catch (const config_failure& f) {
    return result<bridge_config>(f.code, format_failure(name, f));
  }
  return parse_config(text, name, env);
}

result<pdu_config> parse_pdu_entry(std::string_view text, std::string_view origin,
                                   const std::vector<std::string>& taken_ids,
                                   const environment& env) {
  try {
    structure_tracker tracker;
    const ordered_json entry = parse_json(text, tracker);
    validator v(env, fs::path(), tracker.duplicates());
    return v.run_pdu(entry, taken_ids);
  } catch (const config_failure& f) {
    return result<pdu_config>(f.code, format_failure(origin, f));
  }
}

std::string suggest_pdu_id(const std::string& name, const std::string& host,
                           const std::vector<std::string>& taken) {
  const auto slug = [](const std::string& text) { return ascii_slug(text, '-').substr(0, 48); };
  std::string base = slug(name);
  if (base.empty()) base = "pdu-" + slug(host);
  if (base == "pdu-") base = "pdu";
  const auto in_use = [&](const std::string& id) {
    return std::any_of(taken.begin(), taken.end(),
                       [&](const std::string& t) { return equals_ignoring_ascii_case(t, id); });
  };
  std::string id = base;
  for (int n = 2; in_use(id); ++n)
    id = base + "-" + std::to_string(n);
  return id;
}

result<std::string> read_password_file(const std::filesystem::path& file) {
  try {
    return read_secret_file(file, "");
  } catch (const config_failure& f) {
    return result<std::string>(f.code, f.message);
  }
}

std::string env_pdu_auth_password(std::string_view pdu_id) {
  return env_pdu_variable(pdu_id, "AUTH_PASSWORD");
}

std::string env_pdu_priv_password(std::string_view pdu_id) {
  return env_pdu_variable(pdu_id, "PRIV_PASSWORD");
}

namespace {

std::string secret(const std::string& s) {
  return s.empty() ? std::string() : "***";
}

nlohmann::json redacted_snmp(const snmp_config& s) {
  nlohmann::json out = {{"version", name_in(snmp::version_names, s.version)}};
  if (s.version == snmp::version::v3) {
    out["user"] = s.user.name;
    out["security_level"] = to_string(s.user.level());
    out["auth_protocol"] = to_string(s.user.auth);
    out["auth_password"] = secret(s.user.auth_password);
    out["auth_password_file"] = s.auth_password_file;
    out["priv_protocol"] = to_string(s.user.priv);
    out["priv_password"] = secret(s.user.priv_password);
    out["priv_password_file"] = s.priv_password_file;
    out["context"] = s.user.context_name;
  } else {
    out["community"] = secret(s.community);
    out["write_community"] = secret(s.write_community);
  }
  out["timeout_ms"] = s.timeout.count();
  out["retries"] = s.retries;
  return out;
}

}  // namespace

nlohmann::json redacted_json(const bridge_config& config) {
  const auto& m = config.mqtt;
  nlohmann::json pdus = nlohmann::json::array();
  for (const auto& p : config.pdus) {
    pdus.push_back({
        {"id", p.id},
        {"name", p.name},
        {"host", p.host},
        {"port", p.port},
        {"snmp", redacted_snmp(p.snmp)},
        {"poll_interval_ms", p.poll_interval.count()},
        {"max_varbinds", p.max_varbinds},
        {"offline_after_failures", p.offline_after_failures},
        {"command_timeout_ms", p.command_timeout.count()},
        {"read_only", p.read_only},
        {"protected_outlets", p.protected_outlets},
        {"confirm_reboot", p.confirm_reboot},
        {"min_power_cycle_interval_s",
         std::chrono::duration_cast<std::chrono::seconds>(p.min_power_cycle_interval).count()},
        {"max_commands_per_s", p.max_commands_per_s},
        {"capability_recheck_s", p.capability_recheck.count()},
    });
  }
  return {
      {"mqtt",
       {{"url", m.url},
        {"client_id", m.client_id},
        {"username", m.username},
        {"password", secret(m.password)},
        {"password_file", m.password_file},
        {"base_topic", m.base_topic},
        {"discovery_prefix", m.discovery_prefix},
        {"keepalive_s", m.keepalive.count()},
        {"qos", m.qos},
        {"discovery", m.discovery},
        {"discovery_mode", to_string(m.discovery_mode)},
        {"retain_state", m.retain_state},
        {"protocol", to_string(m.protocol)},
        {"tls",
         {{"ca_file", m.tls.ca_file},
          {"cert_file", m.tls.cert_file},
          {"key_file", m.tls.key_file},
          {"key_password_file", m.tls.key_password_file},
          {"verify_hostname", m.tls.verify_hostname}}}}},
      {"pdus", pdus},
      {"log_level", to_string(config.logging.level)},
      {"log_format", to_string(config.logging.format)},
      {"http",
       {{"enabled", config.http.enabled},
        {"listen", config.http.listen},
        {"username", config.http.username},
        {"password", secret(config.http.password)},
        {"password_file", config.http.password_file},
        {"read_only", config.http.read_only},
        {"allowed_hosts", config.http.allowed_hosts}}},
  };
}

std::string example_config() {
  return std::string(example_text);
}

}  // namespace pdu2mqtt::app
