// The web page as a face of the bridge: the bridge's events feed the page's hub, and the
// page's requests run on the bridge's executor (commands through bridge::submit, exactly as
// MQTT commands; probes with the bridge's SNMP client; new PDUs validated as config entries).
#pragma once

#include <memory>

#include "pdu2mqtt/app/bridge.hpp"
#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/web/server.hpp"

namespace pdu2mqtt::app {

class web_face {
 public:
  web_face(asio::any_io_executor executor, std::shared_ptr<bridge> b, const http_config& config);

  // Binds the port and serves; the bound port. Call on the bridge's executor.
  result<std::uint16_t> start();
  // Ends every page's event stream and stops serving (returns within about a second).
  void stop();

 private:
  web::backend make_backend();

  asio::any_io_executor executor_;
  std::shared_ptr<bridge> bridge_;
  http_config config_;
  std::shared_ptr<web::event_hub> hub_;
  std::unique_ptr<web::server> server_;
};

}  // namespace pdu2mqtt::app
