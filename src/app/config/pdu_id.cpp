// An id for a PDU added from the web page: from its name or address, never one already taken.
#include <algorithm>

#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/slug.hpp"

namespace pdu2mqtt::app {

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

}  // namespace pdu2mqtt::app
