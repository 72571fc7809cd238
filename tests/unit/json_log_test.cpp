// --log-format json: every line one JSON object, whatever bytes a PDU put in the message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pdu2mqtt/app/logging.hpp"

namespace pdu2mqtt::app {
namespace {

std::string format_line(spdlog::level::level_enum level, std::string_view text) {
  auto formatter = make_json_log_formatter();
  const auto when = spdlog::log_clock::time_point(std::chrono::milliseconds(1'795'608'110'042));
  spdlog::details::log_msg msg(when, spdlog::source_loc{}, "pdu2mqtt", level,
                               spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(json_log, one_object_per_line_with_time_level_and_message) {
  const auto line = format_line(spdlog::level::warn, "[rack-a] outlet 3 \"OFF\": timeout");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-11-25T12:01:50.042Z");
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "[rack-a] outlet 3 \"OFF\": timeout");
}

TEST(json_log, newlines_and_bytes_that_are_not_utf8_stay_inside_one_valid_line) {
  const std::string hostile = "name \xff\xfe\n{\"level\":\"fake\"}\x01";
  const auto line = format_line(spdlog::level::err, hostile);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "error");
  const auto msg = j["msg"].get<std::string>();
  EXPECT_NE(msg.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD replaces the bad bytes";
  EXPECT_NE(msg.find("{\"level\":\"fake\"}"), std::string::npos);
}

}  // namespace
}  // namespace pdu2mqtt::app
