// Everything logged through spdlog's default logger while a log_capture lives, with the time of
// each line: tests assert on messages, on their spacing (retry backoff) and on absent secrets.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pdu2mqtt::test {

class log_capture {
 public:
  struct line {
    std::chrono::steady_clock::time_point at;
    std::string text;
  };

  log_capture() : sink_(std::make_shared<sink>()), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~log_capture() { spdlog::set_default_logger(previous_); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  // All lines, each ending in '\n'.
  std::string text() const {
    std::string out;
    for (const auto& l : sink_->lines()) {
      out += l.text;
      out += '\n';
    }
    return out;
  }

  std::vector<line> lines_containing(std::string_view part) const {
    std::vector<line> out;
    for (auto& l : sink_->lines()) {
      if (l.text.find(part) != std::string::npos) out.push_back(std::move(l));
    }
    return out;
  }

  std::size_t count(std::string_view part) const { return lines_containing(part).size(); }

 private:
  class sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<line> lines() {
      std::lock_guard<std::mutex> lock(mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      // The level as text too, so tests can tell a warning from an info line.
      const auto level = spdlog::level::to_string_view(msg.level);
      lines_.push_back({std::chrono::steady_clock::now(),
                        "[" + std::string(level.data(), level.size()) + "] " +
                            std::string(msg.payload.data(), msg.payload.size())});
    }
    void flush_() override {}

   private:
    std::vector<line> lines_;
  };

  std::shared_ptr<sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace pdu2mqtt::test
