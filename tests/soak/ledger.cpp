// Command bookkeeping for the soak (see ledger.hpp).
#include "ledger.hpp"

#include <algorithm>
#include <cctype>

namespace pdu2mqtt::soak {

namespace {

// Answers older than this are not matched at all: they belong to nothing the soak sent.
constexpr auto match_horizon = 60s;

std::string string_or_empty(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "pdu2mqtt/soak/outlet/3/set" -> 3; 0 if the topic is not an outlet's command topic.
int outlet_of_set_topic(std::string_view topic) {
  constexpr std::string_view marker = "/outlet/";
  constexpr std::string_view suffix = "/set";
  const auto at = topic.rfind(marker);
  if (at == std::string_view::npos || !topic.ends_with(suffix)) return 0;
  const auto digits =
      topic.substr(at + marker.size(), topic.size() - suffix.size() - (at + marker.size()));
  if (digits.empty() || digits.size() > 4) return 0;
  int n = 0;
  for (const char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string_view name(action a) noexcept {
  switch (a) {
    case action::on:
      return "ON";
    case action::off:
      return "OFF";
    case action::reboot:
      return "REBOOT";
  }
  return "?";
}

std::string_view name(fate f) noexcept {
  switch (f) {
    case fate::not_sent:
      return "not sent";
    case fate::pending:
      return "pending";
    case fate::answered:
      return "answered";
    case fate::excused_broker:
      return "unanswered, excused: broker outage";
    case fate::excused_offline:
      return "unanswered, excused: bridge or PDU offline at send time";
    case fate::excused_observer:
      return "unanswered, excused: soak client disconnected";
    case fate::lost:
      return "LOST";
  }
  return "?";
}

std::string error_kind(std::string_view text) {
  std::string out;
  bool in_digits = false;
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!in_digits) out += 'N';
      in_digits = true;
    } else {
      out += c;
      in_digits = false;
    }
  }
  return out;
}

command& ledger::add(command c) {
  c.outcome = c.sent ? fate::pending : fate::not_sent;
  if (c.sent) last_sent_[c.outlet] = c.at;
  commands_.push_back(std::move(c));
  return commands_.back();
}

namespace {

// No answer arrived and the answer window closed: an answer now is a late one.
bool judged_unanswered(const command& c) {
  return c.sent && c.outcome != fate::pending && !c.answered();
}

}  // namespace

const command* ledger::on_result(clock::time_point now, int outlet, const nlohmann::json& result) {
  const std::string what = string_or_empty(result, "command");
  const auto latency = result.find("latency_ms");
  const long latency_ms =
      latency != result.end() && latency->is_number_integer() ? latency->get<long>() : 0;
  // The bridge started on the command latency_ms before it published the result, and we
  // receive the result after it is published: no command sent after now - latency is its own.
  const auto started_by = now - std::chrono::milliseconds(std::max(0L, latency_ms));
  const auto fits = [&](const command& c) {
    return c.sent && !c.result_at && c.outlet == outlet && name(c.what) == what &&
           c.at <= started_by && now - c.at <= match_horizon;
  };
  const auto newest = [&](const auto& also) -> command* {
    for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
      if (fits(*it) && also(*it)) return &*it;
    }
    return nullptr;
  };
  // The newest command sent before the bridge started on it: an older one still waiting is
  // more likely one the broker dropped (published while the bridge was not subscribed) than
  // one the bridge is still working through, and must not take a later command's answer.
  // Waiting commands first; then one already judged (a late answer).
  command* match = newest([](const command& c) { return c.outcome == fate::pending; });
  if (!match) match = newest(judged_unanswered);
  if (!match) {
    ++unmatched_results_;
    return nullptr;
  }
  auto& c = *match;
  if (c.outcome == fate::pending) {
    c.outcome = fate::answered;
  } else if (judged_unanswered(c)) {
    c.late = true;
    ++late_answers_;
  }
  c.result_at = now;
  const auto ok = result.find("ok");
  c.ok = ok != result.end() && ok->is_boolean() && ok->get<bool>();
  c.result_state = string_or_empty(result, "state");
  c.result_error = string_or_empty(result, "error");
  c.latency_ms = latency_ms;
  return &c;
}

const command* ledger::on_error(clock::time_point now, const nlohmann::json& error) {
  const int outlet = outlet_of_set_topic(string_or_empty(error, "topic"));
  const std::string payload = string_or_empty(error, "payload");
  const std::string text = string_or_empty(error, "error");
  const auto fits = [&](const command& c) {
    return c.sent && !c.error_at && c.outlet == outlet && c.payload() == payload &&
           now - c.at <= match_horizon;
  };
  const auto newest = [&](const auto& also) -> command* {
    for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
      if (fits(*it) && also(*it)) return &*it;
    }
    return nullptr;
  };
  // Usually the result came first (the bridge publishes the result, then the error): the
  // error belongs to the command whose failed result carried the same text.
  command* match =
      newest([&](const command& c) { return c.result_at && !c.ok && c.result_error == text; });
  // An error alone (a refusal before the PDU was involved): a waiting command, else a late one.
  if (!match) {
    match = newest([](const command& c) { return !c.result_at && c.outcome == fate::pending; });
  }
  if (!match) match = newest(judged_unanswered);
  if (!match) {
    ++unmatched_errors_;
    return nullptr;
  }
  if (match->outcome == fate::pending) {
    match->outcome = fate::answered;
  } else if (judged_unanswered(*match)) {
    match->late = true;
    ++late_answers_;
  }
  match->error_at = now;
  match->error_text = text;
  return match;
}

std::vector<const command*> ledger::resolve(clock::time_point now,
                                            const std::vector<outage>& broker,
                                            const std::vector<outage>& observer) {
  std::vector<const command*> changed;
  const auto any_overlap = [](const std::vector<outage>& list, clock::time_point from,
                              clock::time_point to) {
    for (const auto& o : list) {
      if (o.overlaps(from, to)) return true;
    }
    return false;
  };
  for (std::size_t i = first_open_; i < commands_.size(); ++i) {
    auto& c = commands_[i];
    if (c.outcome != fate::pending || now - c.at < answer_window_) continue;
    if (any_overlap(broker, c.at, c.at + broker_grace_)) {
      c.outcome = fate::excused_broker;
    } else if (!c.bridge_online || !c.pdu_online) {
      c.outcome = fate::excused_offline;
    } else if (any_overlap(observer, c.at, c.at + answer_window_)) {
      c.outcome = fate::excused_observer;
    } else {
      c.outcome = fate::lost;
    }
    changed.push_back(&c);
  }
  while (first_open_ < commands_.size() && commands_[first_open_].outcome != fate::pending) {
    ++first_open_;
  }
  return changed;
}

bool ledger::in_flight(clock::time_point now) const {
  for (std::size_t i = first_open_; i < commands_.size(); ++i) {
    const auto& c = commands_[i];
    if (c.outcome == fate::pending && now - c.at < answer_window_) return true;
  }
  return false;
}

std::optional<clock::time_point> ledger::last_sent(int outlet) const {
  const auto it = last_sent_.find(outlet);
  if (it == last_sent_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pdu2mqtt::soak
