// nlohmann's parser with a callback that watches the structure, and its errors made safe: a
// position editors jump to, and never the text that was being read (it may be a password).
#include "json_reader.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "failure.hpp"
#include "key_path.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

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

}  // namespace

json_document read_json(std::string_view text) {
  structure_tracker tracker;
  ordered_json root = parse_json(text, tracker);
  return {std::move(root), tracker.duplicates()};
}

}  // namespace pdu2mqtt::app::config_detail
