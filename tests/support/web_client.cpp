// A client for the web page in tests: plain requests and a Server-Sent Events reader.
#include "support/web_client.hpp"

#include <httplib.h>

#include <regex>

namespace pdu2mqtt::test {

using nlohmann::json;

namespace {

httplib::Headers headers_for(const web_request_options& o, bool post) {
  httplib::Headers h(o.headers.begin(), o.headers.end());
  if (post && o.csrf_header) h.emplace("X-Requested-By", "pdu2mqtt");
  return h;
}

std::unique_ptr<httplib::Client> client_for(std::uint16_t port, const web_request_options& o) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(30, 0);
  if (!o.user.empty()) c->set_basic_auth(o.user, o.password);
  return c;
}

web_response from(const httplib::Result& r) {
  web_response out;
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  for (const auto& [k, v] : r->headers)
    out.headers[k] = v;
  return out;
}

}  // namespace

json web_response::json() const {
  return json::parse(body, nullptr, false).is_discarded() ? nlohmann::json()
                                                          : json::parse(body, nullptr, false);
}

web_response web_get(std::uint16_t port, const std::string& path,
                     const web_request_options& options) {
  return from(client_for(port, options)->Get(path, headers_for(options, false)));
}

web_response web_post(std::uint16_t port, const std::string& path, const std::string& body,
                      const web_request_options& options) {
  return from(
      client_for(port, options)->Post(path, headers_for(options, true), body, "application/json"));
}

std::uint16_t web_port_from_log(const std::string& log) {
  static const std::regex line(R"(web page on http://[^ ]*:(\d+)/)");
  std::smatch m;
  return std::regex_search(log, m, line) ? static_cast<std::uint16_t>(std::stoi(m[1])) : 0;
}

event_stream::event_stream(std::uint16_t port, const web_request_options& options)
    : client_(client_for(port, options)) {
  reader_ = std::thread([this, options] {
    client_->Get("/api/events", headers_for(options, false),
                 [this](const char* data, std::size_t size) {
                   feed(data, size);
                   std::lock_guard lock(mutex_);
                   return !stop_;
                 });
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  });
}

event_stream::~event_stream() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  client_->stop();  // ends the read the reader is blocked in
  reader_.join();
}

void event_stream::feed(const char* data, std::size_t size) {
  std::lock_guard lock(mutex_);
  pending_.append(data, size);
  for (auto end = pending_.find("\n\n"); end != std::string::npos; end = pending_.find("\n\n")) {
    const std::string frame = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    std::string name = "message", data_line;
    std::size_t start = 0;
    while (start <= frame.size()) {
      auto stop = frame.find('\n', start);
      if (stop == std::string::npos) stop = frame.size();
      const std::string line = frame.substr(start, stop - start);
      if (line.rfind("event: ", 0) == 0) name = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data_line = line.substr(6);
      start = stop + 1;
    }
    if (data_line.empty()) continue;  // a comment (keep-alive) or the retry hint
    events_.push_back(
        {name, json::parse(data_line, nullptr, false), std::chrono::steady_clock::now()});
  }
  changed_.notify_all();
}

std::optional<received_event> event_stream::wait_for(const std::string& name,
                                                     const std::function<bool(const json&)>& accept,
                                                     std::chrono::milliseconds timeout,
                                                     std::size_t from) {
  std::unique_lock lock(mutex_);
  std::size_t next = from;
  std::optional<received_event> found;
  changed_.wait_for(lock, timeout, [&] {
    for (; next < events_.size(); ++next) {
      const auto& e = events_[next];
      if (e.name == name && (!accept || accept(e.data))) {
        found = e;
        return true;
      }
    }
    return ended_;
  });
  return found;
}

std::size_t event_stream::mark() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

std::vector<received_event> event_stream::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

bool event_stream::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

}  // namespace pdu2mqtt::test
