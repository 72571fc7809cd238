// The web page's HTTP server (cpp-httplib, on threads of its own). It serves the page compiled
// into the binary, the event hub as Server-Sent Events, and hands commands to a backend that
// runs them on the bridge's thread. It knows nothing of the bridge itself.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/web/event_hub.hpp"
#include "pdu2mqtt/web/options.hpp"

namespace httplib {
class Server;
}

namespace pdu2mqtt::web {

// A backend's answer: HTTP status and JSON body.
struct reply {
  int status = 200;
  nlohmann::json body;
};
// Called exactly once, from any thread.
using respond = std::function<void(reply)>;

// What the page can ask of the bridge. Called on a server thread; each must not block, and
// answers through `respond` (typically after a trip through the bridge's executor).
struct backend {
  // POST /api/pdus/<id>/outlets/<n>: the body as the MQTT payload.
  std::function<void(const std::string& pdu, const std::string& outlet, const std::string& payload,
                     respond)>
      command;
  // POST /api/probe and POST /api/pdus: the parsed JSON body.
  std::function<void(const nlohmann::json& request, respond)> probe;
  std::function<void(const nlohmann::json& request, respond)> add_pdu;
};

class server {
 public:
  server(server_settings settings, std::shared_ptr<event_hub> hub, backend backend);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving; the bound port (the one asked for, or the free one picked).
  result<std::uint16_t> start();
  // Ends every event stream and stops serving; returns once the server's threads are done.
  void stop();

 private:
  void install_routes();
  reply call(const std::function<void(respond)>& start) const;

  server_settings settings_;
  std::shared_ptr<event_hub> hub_;
  backend backend_;
  std::string expected_authorization_;  // "" when there is no password
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<std::size_t> streams_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace pdu2mqtt::web
