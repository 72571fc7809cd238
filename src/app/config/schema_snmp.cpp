// A PDU's "snmp" object: version, communities or the SNMPv3 user, and its pass phrases.
#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "schema.hpp"
#include "values.hpp"

namespace pdu2mqtt::app::config_detail {

void validator::read_snmp(const ordered_json& value, const std::string& path, snmp_config& s) {
  require_object(value, path);
  for_each_key(value, path, snmp_keys,
               [&](const auto& key, const auto& v, const auto& p) { read_snmp_key(key, v, p, s); });
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
void validator::read_pass_phrase(const std::string& key, const ordered_json& v,
                                 const std::string& p, std::string& password,
                                 std::string& file_name) {
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

void validator::read_snmp_key(const std::string& key, const ordered_json& v, const std::string& p,
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

// The pass phrases from the environment, then what SNMPv3 needs of them (RFC 3414 11.2).
void validator::apply_environment(pdu_config& pdu, const std::string& path) const {
  auto& s = pdu.snmp;
  if (s.version != snmp::version::v3) return;
  const auto check = [&](std::string& password, bool needed, std::string_view kind,
                         const std::string& variable) {
    if (!needed) return;
    if (auto from_env = lookup(variable)) password = std::move(*from_env);
    const std::string key = path + "." + std::string(kind) + "_password";
    if (password.empty()) {
      fail(key + "_file", "missing: " + std::string(kind) + "_protocol needs a pass phrase (set " +
                              std::string(kind) + "_password_file, " + std::string(kind) +
                              "_password or " + variable + ")");
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

}  // namespace pdu2mqtt::app::config_detail
