// Parsing of the command topics we subscribe to, and their text from the parts.
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::topics {

bool is_topic_safe_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<command_topic> parse_command_topic(const layout& l, std::string_view topic) {
  const std::string prefix = l.base + "/";
  if (!topic.starts_with(prefix)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  const auto slash = topic.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  command_topic out;
  out.pdu_id = std::string(topic.substr(0, slash));
  const auto rest = topic.substr(slash + 1);
  if (rest == "get") {
    out.what = command_topic::kind::get;
    return out;
  }
  if (rest == "set") {
    out.what = command_topic::kind::pdu_set;
    return out;
  }
  constexpr std::string_view outlet = "outlet/";
  constexpr std::string_view set = "/set";
  constexpr std::string_view name_set = "/name/set";
  if (rest.starts_with(outlet) && rest.ends_with(name_set) &&
      rest.size() > outlet.size() + name_set.size()) {
    out.what = command_topic::kind::outlet_name_set;
    out.outlet_text =
        std::string(rest.substr(outlet.size(), rest.size() - outlet.size() - name_set.size()));
    return out;
  }
  if (rest.starts_with(outlet) && rest.ends_with(set) && rest.size() > outlet.size() + set.size()) {
    out.what = command_topic::kind::outlet_set;
    out.outlet_text =
        std::string(rest.substr(outlet.size(), rest.size() - outlet.size() - set.size()));
    return out;
  }
  return std::nullopt;
}

std::string topic_of(const layout& l, const command_topic& c) {
  using kind = command_topic::kind;
  switch (c.what) {
    case kind::get:
      return l.get(c.pdu_id);
    case kind::pdu_set:
      return l.pdu_set(c.pdu_id);
    case kind::outlet_name_set:
      return l.pdu(c.pdu_id) + "/outlet/" + c.outlet_text + "/name/set";
    case kind::outlet_set:
      break;
  }
  return l.pdu(c.pdu_id) + "/outlet/" + c.outlet_text + "/set";
}

}  // namespace pdu2mqtt::topics
