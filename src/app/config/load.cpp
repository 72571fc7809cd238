// The config API: text or a file in, a bridge_config or one error line out.
#include "failure.hpp"
#include "files.hpp"
#include "json_reader.hpp"
#include "schema.hpp"

namespace pdu2mqtt::app {

using namespace config_detail;

result<bridge_config> parse_config(std::string_view text, std::string_view file_name,
                                   const environment& env) {
  try {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      fail("", "the file is empty", config_errc::syntax);
    }
    const json_document json = read_json(text);
    validator v(env, std::filesystem::path(file_name).parent_path(), json.duplicates);
    return v.run(json.root);
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
    const json_document json = read_json(text);
    validator v(env, std::filesystem::path(), json.duplicates);
    return v.run_pdu(json.root, taken_ids);
  } catch (const config_failure& f) {
    return result<pdu_config>(f.code, format_failure(origin, f));
  }
}

}  // namespace pdu2mqtt::app
