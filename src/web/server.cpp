// The web page's HTTP server (cpp-httplib on its own threads): routes, static assets, SSE.
#include "pdu2mqtt/web/server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <future>

#include "pdu2mqtt/common/untrusted_text.hpp"
#include "pdu2mqtt/web/assets.hpp"
#include "pdu2mqtt/web/request_guard.hpp"

namespace pdu2mqtt::web {

using nlohmann::json;

namespace {

constexpr std::size_t max_body_bytes = 64 * 1024;
// A browser sends a dozen or two. cpp-httplib 0.11 limits each header line but not their
// number, so whether a flood of thousands was answered depended on how its bytes arrived.
constexpr std::size_t max_header_count = 100;
constexpr const char* json_type = "application/json";

// The page loads nothing from elsewhere and is never framed: a strict policy costs nothing.
constexpr const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), json_type);
}

void send_error(httplib::Response& res, int status, const std::string& why) {
  send_json(res, status, json{{"error", why}});
}

bool is_post(const httplib::Request& req) {
  return req.method != "GET" && req.method != "HEAD";
}

}  // namespace

server::server(server_settings settings, std::shared_ptr<event_hub> hub, backend backend)
    : settings_(std::move(settings)),
      hub_(std::move(hub)),
      backend_(std::move(backend)),
      http_(std::make_unique<httplib::Server>()) {
  if (!settings_.password.empty()) {
    expected_authorization_ = basic_authorization(settings_.username, settings_.password);
  }
  // Every event stream holds a thread for as long as the page is open, so the pool is sized
  // for them plus the ordinary requests (the default is 8 on a small machine).
  const auto threads = settings_.max_event_streams + 8;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(max_body_bytes);
  // httplib's default adds SO_REUSEPORT, with which a second bridge on the same port starts
  // without a word and the kernel splits the pages' connections between the two. Only
  // SO_REUSEADDR (a restart may bind while old connections linger): a busy port fails.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes();
}

server::~server() {
  stop();
}

result<std::uint16_t> server::start() {
  int port = settings_.port;
  bool bound = false;
  if (settings_.port == 0) {
    port = http_->bind_to_any_port(settings_.host);
    bound = port > 0;
  } else {
    bound = http_->bind_to_port(settings_.host, settings_.port);
  }
  if (!bound) {
    return error{std::make_error_code(std::errc::address_in_use),
                 "cannot listen on " + settings_.host + ":" + std::to_string(settings_.port) +
                     " (port in use, or not an address of this machine)"};
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return static_cast<std::uint16_t>(port);
}

void server::stop() {
  stopping_ = true;  // handlers waiting for the bridge give up: it is stopping too
  hub_->close();     // event streams return from their wait and end
  if (thread_.joinable()) {
    http_->stop();
    thread_.join();
  }
}

reply server::call(const std::function<void(respond)>& start) const {
  auto promise = std::make_shared<std::promise<reply>>();
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto future = promise->get_future();
  start([promise, answered](reply r) {
    if (!answered->exchange(true)) promise->set_value(std::move(r));
  });
  // In slices: the bridge's thread may be the one stopping this server, and will not answer.
  const auto deadline = std::chrono::steady_clock::now() + settings_.backend_timeout;
  while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (stopping_) return {503, json{{"error", "the bridge is stopping"}}};
    if (std::chrono::steady_clock::now() > deadline) {
      return {504, json{{"error", "the bridge did not answer in time"}}};
    }
  }
  return future.get();
}

void server::install_routes() {
  auto& http = *http_;

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    using handled = httplib::Server::HandlerResponse;
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    if (req.headers.size() > max_header_count) {
      send_error(res, 431,
                 "too many header fields: " + std::to_string(req.headers.size()) + " (at most " +
                     std::to_string(max_header_count) + ")");
      return handled::Handled;
    }
    if (expected_authorization_.empty()) {
      if (!host_allowed(req.get_header_value("Host"), settings_.allowed_hosts)) {
        send_error(res, 421,
                   "this page answers to IP addresses and localhost only; add the host name to "
                   "http.allowed_hosts, or set http.password_file");
        return handled::Handled;
      }
    } else if (!same_secret(req.get_header_value("Authorization"), expected_authorization_)) {
      res.set_header("WWW-Authenticate", R"(Basic realm="pdu2mqtt", charset="UTF-8")");
      send_error(res, 401, "authentication required");
      return handled::Handled;
    }
    if (is_post(req)) {
      if (req.get_header_value(csrf_header) != csrf_value) {
        send_error(res, 403,
                   std::string("missing header ") + csrf_header + ": " + csrf_value +
                       " (it keeps other sites from sending commands through your browser)");
        return handled::Handled;
      }
      if (settings_.read_only) {
        send_error(res, 403, "the web page is read-only (http.read_only)");
        return handled::Handled;
      }
    }
    return handled::Unhandled;
  });

  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    spdlog::debug("web: {} {} -> {}", req.method, printable_excerpt(req.path, 128), res.status);
  });
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          what = x.what();
        } catch (...) {
        }
        spdlog::error("web: {} {} failed: {}", req.method, printable_excerpt(req.path, 128), what);
        send_error(res, 500, "internal error (the bridge's log has the details)");
      });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        return send_error(res, 404, "no such page");
      case 413:
        return send_error(res, 413, "the request body is over 64 KiB");
      case 414:
        return send_error(res, 414, "the address is too long");
      default:
        return send_error(res, res.status, "malformed request");
    }
  });

  for (const auto& a : assets()) {
    http.Get(std::string(a.path), [&a](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy", content_security_policy);
      res.set_header("Cache-Control", "no-cache");
      res.set_content(a.body.data(), a.body.size(), std::string(a.content_type).c_str());
    });
  }

  http.Get("/api/state", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, hub_->snapshot().first);
  });

  http.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
    if (streams_.fetch_add(1) >= settings_.max_event_streams) {
      streams_.fetch_sub(1);
      send_error(res, 503,
                 "too many open pages (" + std::to_string(settings_.max_event_streams) +
                     "); close one and reload");
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");  // nginx: pass events through at once
    auto after = std::make_shared<std::optional<std::uint64_t>>();
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, after](std::size_t, httplib::DataSink& sink) {
          std::string out;
          auto snapshot_frame = [&] {
            auto [snap, seq] = hub_->snapshot();
            *after = seq;
            out += sse_frame(
                {seq, "snapshot", snap.dump(-1, ' ', false, json::error_handler_t::replace)});
          };
          if (!after->has_value()) {
            out = "retry: 1000\n\n";
            snapshot_frame();
          } else {
            auto batch = hub_->wait(**after, settings_.keepalive);
            if (batch.closed) {
              sink.done();
              return true;
            }
            if (batch.resync) {
              snapshot_frame();
            } else if (batch.events.empty()) {
              out = ": keep-alive\n\n";
            }
            for (const auto& e : batch.events) {
              out += sse_frame(e);
              *after = e.seq;
            }
          }
          // A page that went away fails the write: the stream (and its thread) ends.
          return sink.write(out.data(), out.size());
        },
        [this](bool) { streams_.fetch_sub(1); });
  });

  http.Post(R"(/api/pdus/([^/]+)/outlets/([^/]+))", [this](const httplib::Request& req,
                                                           httplib::Response& res) {
    const std::string pdu = req.matches[1];
    const std::string outlet = req.matches[2];
    auto r = call([&](respond done) { backend_.command(pdu, outlet, req.body, std::move(done)); });
    send_json(res, r.status, r.body);
  });

  const auto json_post = [this](auto member) {
    return [this, member](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      if (!body.is_object()) return send_error(res, 400, "the body must be a JSON object");
      auto r = call([&](respond done) { (backend_.*member)(body, std::move(done)); });
      send_json(res, r.status, r.body);
    };
  };
  http.Post("/api/probe", json_post(&backend::probe));
  http.Post("/api/pdus", json_post(&backend::add_pdu));
}

}  // namespace pdu2mqtt::web
