// The web page as a face of the bridge: bridge events feed the page, its requests run here.
#include "web_face.hpp"

#include <spdlog/spdlog.h>

#include <asio/redirect_error.hpp>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "pdu2mqtt/topics/layout.hpp"
#include "pdu2mqtt/version.hpp"

namespace pdu2mqtt::app {

using nlohmann::json;

namespace {

json bridge_view(const bridge& b) {
  return {{"version", version_string},
          {"mqtt_connected", b.mqtt_connected()},
          {"base_topic", b.layout().base}};
}

// The page's form as a "pdus" entry of the config file, so that it is validated by the same
// code, and the messages name the same keys.
json config_entry_from(const json& request) {
  json entry = json::object();
  json snmp = json::object();
  for (const auto& [key, value] : request.items()) {
    if (value.is_string() && value.get_ref<const std::string&>().empty()) continue;  // not filled
    const bool snmp_key = key == "community" || key == "write_community";
    // Unknown keys go through too: the validator refuses them, by name.
    (snmp_key ? snmp : entry)[key] = value;
  }
  if (!snmp.empty()) entry["snmp"] = std::move(snmp);
  return entry;
}

json probe_answer(const device::snapshot& s, const std::string& suggested_id) {
  json outlets = json::array();
  for (const auto& o : s.outlets) {
    outlets.push_back({{"number", o.number}, {"name", o.name}, {"state", to_string(o.state)}});
  }
  return {{"ok", true},
          {"model", s.id.model},
          {"serial", s.id.serial},
          {"name", s.id.name.empty() ? s.id.sys_name : s.id.name},
          {"firmware", s.id.firmware},
          {"banks", s.size.banks},
          {"outlets", std::move(outlets)},
          {"suggested_id", suggested_id}};
}

awaitable<web::reply> probe_pdu(std::shared_ptr<bridge> b, pdu_config pdu) {
  auto executor = co_await asio::this_coro::executor;
  std::error_code ec;
  auto address = asio::ip::make_address(pdu.host, ec);
  if (ec) {
    asio::ip::udp::resolver resolver(executor);
    std::error_code error;
    // As the bridge resolves a configured PDU's host (bridge::start_slot).
    auto found = co_await resolver.async_resolve(pdu.host, std::to_string(pdu.port),
                                                 asio::ip::udp::resolver::numeric_service,
                                                 asio::redirect_error(asio::use_awaitable, error));
    const auto endpoint = error ? std::nullopt : snmp::preferred_endpoint(found);
    if (!endpoint) {
      const std::string why = error ? error.message() : std::string("no address");
      co_return web::reply{
          200, json{{"ok", false}, {"error", "cannot resolve \"" + pdu.host + "\": " + why}}};
    }
    address = endpoint->address();
  }
  snmp::target t;
  t.endpoint = {address, pdu.port};
  t.version = pdu.snmp.version;
  t.community = pdu.snmp.community;
  t.timeout = pdu.snmp.timeout;
  t.retries = 1;  // a person is waiting: an answer (or not) within about two seconds
  t.max_varbinds = pdu.max_varbinds;
  auto snapshot = co_await device::async_read_snapshot(*b->snmp_client(), t);
  if (!snapshot) {
    std::string why = snapshot.err().to_string();
    if (snapshot.code() == snmp::errc::timeout) {
      why += " (" + device::no_answer_hint(pdu.port) + ")";
    }
    co_return web::reply{200, json{{"ok", false}, {"error", why}}};
  }
  const auto& id = snapshot->id;
  co_return web::reply{
      200, probe_answer(*snapshot, suggest_pdu_id(id.name.empty() ? id.sys_name : id.name, pdu.host,
                                                  b->pdu_ids()))};
}

}  // namespace

web_face::web_face(asio::any_io_executor executor, std::shared_ptr<bridge> b,
                   const http_config& config)
    : executor_(std::move(executor)),
      bridge_(std::move(b)),
      config_(config),
      hub_(std::make_shared<web::event_hub>(config.read_only)) {}

result<std::uint16_t> web_face::start() {
  bridge_events events;
  events.pdu_changed = [hub = hub_](const json& pdu) { hub->put_pdu(pdu); };
  events.pdu_removed = [hub = hub_](const std::string& id) { hub->remove_pdu(id); };
  events.outlet_result = [hub = hub_](const json& r) { hub->publish("result", r); };
  events.error = [hub = hub_](const json& e) { hub->publish("error", e); };
  events.mqtt_changed = [hub = hub_, weak = std::weak_ptr<bridge>(bridge_)](bool) {
    if (auto b = weak.lock()) hub->set_bridge(bridge_view(*b));
  };
  bridge_->observe(std::move(events));
  hub_->set_bridge(bridge_view(*bridge_));

  server_ = std::make_unique<web::server>(web::server_settings(config_), hub_, make_backend());
  auto port = server_->start();
  if (!port) return port;
  const bool loopback = asio::ip::make_address(config_.host).is_loopback();
  const std::string shown_host =
      config_.host.find(':') != std::string::npos ? "[" + config_.host + "]" : config_.host;
  spdlog::info("web page on http://{}:{}/{}{}", shown_host, *port,
               config_.password.empty() ? "" : " (basic auth)",
               config_.read_only ? " (read-only)" : "");
  if (!loopback && config_.password.empty()) {
    spdlog::warn(
        "the web page listens on {} without a password: anyone who can reach it can switch "
        "outlets (set http.password_file, or http.read_only)",
        config_.listen);
  }
  return port;
}

void web_face::stop() {
  if (server_) server_->stop();
}

web::backend web_face::make_backend() {
  web::backend backend;
  // Every call hops onto the bridge's executor, where the bridge lives; the weak pointer lets a
  // request that races with shutdown find no bridge rather than a dead one.
  const std::weak_ptr<bridge> weak = bridge_;
  backend.command = [executor = executor_, weak](const std::string& pdu, const std::string& outlet,
                                                 const std::string& payload, web::respond done) {
    asio::post(executor, [=] {
      auto b = weak.lock();
      if (!b) return done({503, json{{"error", "the bridge is stopping"}}});
      const topics::command_topic command{
          .pdu_id = pdu, .what = topics::command_topic::kind::outlet_set, .outlet_text = outlet};
      if (b->submit(command, payload) == submit_outcome::unknown_pdu) {
        return done({404, json{{"error", "no PDU with the id \"" + pdu + "\""}}});
      }
      done({202, json{{"topic", topics::topic_of(b->layout(), command)}}});
    });
  };
  backend.probe = [executor = executor_, weak](const json& request, web::respond done) {
    asio::post(executor, [=] {
      auto b = weak.lock();
      if (!b) return done({503, json{{"error", "the bridge is stopping"}}});
      json entry = config_entry_from(request);
      entry["id"] = "probe";
      auto pdu = parse_pdu_entry(entry.dump(), "probe", {}, empty_environment());
      if (!pdu) return done({400, json{{"error", pdu.err().detail}}});
      asio::co_spawn(executor, probe_pdu(b, std::move(*pdu)),
                     [done](std::exception_ptr e, web::reply r) {
                       if (e) r = {500, json{{"error", "the probe failed unexpectedly"}}};
                       done(std::move(r));
                     });
    });
  };
  backend.add_pdu = [executor = executor_, weak](const json& request, web::respond done) {
    asio::post(executor, [=] {
      auto b = weak.lock();
      if (!b) return done({503, json{{"error", "the bridge is stopping"}}});
      json entry = config_entry_from(request);
      if (!entry.contains("id") && entry.contains("host") && entry["host"].is_string()) {
        entry["id"] = suggest_pdu_id("", entry["host"].get<std::string>(), b->pdu_ids());
      }
      auto pdu = parse_pdu_entry(entry.dump(), "new PDU", b->pdu_ids(), process_environment());
      if (!pdu) {
        const bool taken = pdu.err().detail.find("duplicate id") != std::string::npos;
        return done({taken ? 409 : 400, json{{"error", pdu.err().detail}}});
      }
      const std::string id = pdu->id;
      if (auto refused = b->add_pdu(std::move(*pdu))) {
        return done({409, json{{"error", *refused}}});
      }
      done({201, json{{"id", id}}});
    });
  };
  return backend;
}

}  // namespace pdu2mqtt::app
