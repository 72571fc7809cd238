// The schema walk: a parsed config document → bridge_config, key by key in document order, the
// first problem thrown as a config_failure naming its key path. One reader per section, each in
// its own file (schema_mqtt.cpp, schema_pdu.cpp, schema_snmp.cpp; http here).
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "did_you_mean.hpp"
#include "failure.hpp"
#include "json_reader.hpp"
#include "key_path.hpp"
#include "pdu2mqtt/app/config.hpp"
#include "schema_keys.hpp"

namespace pdu2mqtt::app::config_detail {

class validator {
 public:
  validator(const environment& env, std::filesystem::path base_dir,
            const std::set<std::string>& duplicates)
      : env_(env), base_dir_(std::move(base_dir)), duplicates_(duplicates) {}

  bridge_config run(const ordered_json& root);
  // One entry alone (parse_pdu_entry): the ids already taken count as seen.
  pdu_config run_pdu(const ordered_json& entry, const std::vector<std::string>& taken_ids);

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

  std::optional<std::string> lookup(std::string_view name) const;
  std::string read_password_file(const std::string& file, const std::string& path);

  void read_http(const ordered_json& value, const std::string& path, http_config& h);
  static void read_listen(const std::string& text, const std::string& path, http_config& h);

  // schema_mqtt.cpp
  static mqtt::broker_address require_broker(const std::string& url, const std::string& path);
  void read_mqtt(const ordered_json& value, const std::string& path, mqtt_config& m);
  void read_mqtt_key(const std::string& key, const ordered_json& v, const std::string& p,
                     mqtt_config& m);
  void read_mqtt_tls(const ordered_json& value, const std::string& path, mqtt::tls_options& t);
  void apply_environment(mqtt_config& m) const;

  // schema_pdu.cpp
  pdu_config read_pdu(const ordered_json& value, const std::string& path);
  void read_pdu_key(const std::string& key, const ordered_json& v, const std::string& p,
                    pdu_config& pdu);
  void read_pdu_setting(const pdu_setting& setting, const ordered_json& v, const std::string& p,
                        pdu_config& pdu);
  void check_unique_id(const std::string& id, const std::string& path);
  static std::vector<int> read_outlet_list(const ordered_json& value, const std::string& path);

  // schema_snmp.cpp
  void read_snmp(const ordered_json& value, const std::string& path, snmp_config& s);
  void read_pass_phrase(const std::string& key, const ordered_json& v, const std::string& p,
                        std::string& password, std::string& file_name);
  void read_snmp_key(const std::string& key, const ordered_json& v, const std::string& p,
                     snmp_config& s);
  void apply_environment(pdu_config& pdu, const std::string& path) const;

  const environment& env_;
  std::filesystem::path base_dir_;
  const std::set<std::string>& duplicates_;
  std::vector<std::pair<std::string, std::string>> ids_;  // folded id, where it was set
  std::string tls_path_;                                  // "mqtt.tls" once read
};

}  // namespace pdu2mqtt::app::config_detail
