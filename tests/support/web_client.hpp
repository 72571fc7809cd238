// A client for the bridge's web page in tests: plain requests (cpp-httplib's client) and a
// Server-Sent Events reader on a thread of its own that keeps every event it sees.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}

namespace pdu2mqtt::test {

struct web_response {
  int status = 0;  // 0: no answer (error says why)
  std::string body;
  std::map<std::string, std::string> headers;  // last value of each, names as sent
  std::string error;
  nlohmann::json json() const;  // the body parsed; null if it is not JSON
};

struct web_request_options {
  std::map<std::string, std::string> headers;
  // Sent unless false: what the page sends with every POST.
  bool csrf_header = true;
  std::string user, password;  // basic auth when user is set
};

web_response web_get(std::uint16_t port, const std::string& path,
                     const web_request_options& options = {});
web_response web_post(std::uint16_t port, const std::string& path, const std::string& body,
                      const web_request_options& options = {});

// The port from the bridge's "web page on http://HOST:PORT/" log line; 0 if absent.
std::uint16_t web_port_from_log(const std::string& log);

struct received_event {
  std::string name;
  nlohmann::json data;
  std::chrono::steady_clock::time_point at;
};

class event_stream {
 public:
  explicit event_stream(std::uint16_t port, const web_request_options& options = {});
  ~event_stream();  // closes the stream and joins the thread
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  // The first event from index `from` on named `name` for which accept(data) holds.
  std::optional<received_event> wait_for(
      const std::string& name, const std::function<bool(const nlohmann::json&)>& accept = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(10), std::size_t from = 0);
  std::size_t mark() const;
  std::vector<received_event> events() const;
  bool ended() const;  // the server closed the stream

 private:
  void feed(const char* data, std::size_t size);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<received_event> events_;
  std::string pending_;
  bool stop_ = false;
  bool ended_ = false;
  std::unique_ptr<httplib::Client> client_;
  std::thread reader_;
};

}  // namespace pdu2mqtt::test
