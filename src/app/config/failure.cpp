// The config error category and the one-line form of a failure.
#include "failure.hpp"

#include <utility>

namespace pdu2mqtt::app {
namespace {

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

}  // namespace

const std::error_category& config_category() noexcept {
  static const config_error_category category;
  return category;
}

namespace config_detail {

void fail(std::string path, std::string message, config_errc code) {
  throw config_failure{code, std::move(path), std::move(message)};
}

std::string format_failure(std::string_view file_name, const config_failure& f) {
  std::string out(file_name);
  // Syntax errors carry "line:column" as their path, the compiler style editors jump to.
  if (f.code == config_errc::syntax && !f.path.empty()) {
    return out + ":" + f.path + ": " + f.message;
  }
  if (!f.path.empty()) out += ": " + f.path;
  return out + ": " + f.message;
}

}  // namespace config_detail
}  // namespace pdu2mqtt::app
