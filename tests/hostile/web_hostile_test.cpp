// Hostile HTTP against the web page's server, in process (no bridge: a backend that records
// what reaches it). Garbage, oversized and malformed requests must be refused without a
// crash, without reaching the backend, and without stopping the server from answering the
// next honest request.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <atomic>
#include <string>
#include <thread>

#include "pdu2mqtt/web/server.hpp"
#include "support/web_client.hpp"

namespace pdu2mqtt::web {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class web_hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    hub->put_pdu({{"id", "rack"}, {"available", true}, {"state", nullptr}});
    backend b;
    b.command = [this](const std::string&, const std::string&, const std::string&, respond r) {
      ++backend_calls;
      r({202, json{{"topic", "t"}}});
    };
    b.probe = [this](const json&, respond r) {
      ++backend_calls;
      r({200, json{{"ok", false}, {"error", "no"}}});
    };
    b.add_pdu = b.probe;
    server_settings s;
    s.port = 0;
    s.max_event_streams = 2;
    s.keepalive = 200ms;
    srv = std::make_unique<server>(s, hub, b);
    auto bound = srv->start();
    ASSERT_TRUE(bound) << bound.err().detail;
    port = *bound;
  }
  void TearDown() override { srv->stop(); }

  // Sends raw bytes and returns whatever came back until the server closed or went quiet for
  // 10 s (empty if nothing). half_close: say "no more" at once (the server then may drop it).
  std::string raw(const std::string& bytes, bool half_close = true) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    const timeval quiet{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &quiet, sizeof quiet);
    std::error_code ec;
    asio::write(socket, asio::buffer(bytes), ec);
    if (half_close) socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    std::string reply;
    char chunk[4096];
    for (;;) {
      const auto n = socket.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      reply.append(chunk, n);
      if (!half_close && whole_answer(reply)) break;  // one answer is all we wait for
    }
    return reply;
  }

  // Headers and as many body bytes as Content-Length says (the two may come in two reads).
  static bool whole_answer(const std::string& reply) {
    const auto end = reply.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const auto length = reply.find("Content-Length: ");
    if (length == std::string::npos || length > end) return true;
    return reply.size() - (end + 4) >= std::stoul(reply.substr(length + 16));
  }

  void still_serves() {
    auto r = test::web_get(port, "/api/state");
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.json()["pdus"][0]["id"], "rack");
  }

  std::shared_ptr<event_hub> hub = std::make_shared<event_hub>(false);
  std::unique_ptr<server> srv;
  std::uint16_t port = 0;
  std::atomic<int> backend_calls{0};
};

TEST_F(web_hostile, binary_garbage_is_dropped) {
  std::string junk;
  for (int i = 0; i < 4096; ++i)
    junk += static_cast<char>((i * 131 + 7) & 0xff);
  const auto reply = raw(junk);
  EXPECT_TRUE(reply.empty() || reply.rfind("HTTP/1.1 400", 0) == 0) << reply.substr(0, 80);
  still_serves();
  EXPECT_EQ(backend_calls, 0);
}

TEST_F(web_hostile, an_endless_request_line_and_a_flood_of_headers_are_refused) {
  auto reply = raw("GET /" + std::string(200 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.find("200 OK"), std::string::npos);
  std::string headers = "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 5000; ++i)
    headers += "X-H" + std::to_string(i) + ": v\r\n";
  reply = raw(headers + "\r\n");
  EXPECT_EQ(reply.find("200 OK"), std::string::npos);
  EXPECT_TRUE(reply.empty() || reply.rfind("HTTP/1.1 431", 0) == 0) << reply.substr(0, 80);
  still_serves();
}

TEST_F(web_hostile, a_huge_announced_body_is_refused_before_it_is_read) {
  const auto reply =
      raw("POST /api/pdus/rack/outlets/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Requested-By: "
          "pdu2mqtt\r\nContent-Length: 1073741824\r\n\r\nOFF",
          /*half_close=*/false);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 80);
  EXPECT_NE(reply.find("64 KiB"), std::string::npos) << reply;
  EXPECT_EQ(backend_calls, 0);
  still_serves();
}

TEST_F(web_hostile, malformed_paths_and_bodies_get_answers_not_crashes) {
  test::web_request_options o;
  for (const char* path : {"/api/pdus/%ZZ/outlets/1", "/api/pdus/%00/outlets/%FF",
                           "/api/pdus//outlets/1", "/api/pdus/rack/outlets/"}) {
    const auto r = test::web_post(port, path, "OFF", o);
    EXPECT_NE(r.status, 0) << path << ": " << r.error;
    EXPECT_NE(r.status, 500) << path;
  }
  // Deep nesting, within the 64 KiB body limit: parsed (nlohmann's parser is iterative) and
  // refused as "not an object".
  auto r = test::web_post(port, "/api/probe", std::string(60000, '['), o);
  EXPECT_EQ(r.status, 400);
  r = test::web_post(port, "/api/probe", "{\"host\": \"\xff\xfe\"}", o);
  EXPECT_EQ(r.status, 400);  // not UTF-8, so not JSON
  EXPECT_EQ(test::web_post(port, "/api/pdus", "null", o).status, 400);
  EXPECT_EQ(test::web_post(port, "/api/pdus", "", o).status, 400);
  still_serves();
}

TEST_F(web_hostile, event_streams_beyond_the_limit_are_refused_and_the_rest_keeps_working) {
  test::event_stream a(port), b(port);
  ASSERT_TRUE(a.wait_for("snapshot"));
  ASSERT_TRUE(b.wait_for("snapshot"));
  const auto third = test::web_get(port, "/api/events");
  EXPECT_EQ(third.status, 503);
  EXPECT_NE(third.body.find("too many open pages"), std::string::npos) << third.body;
  still_serves();
  hub->publish("result", {{"pdu", "rack"}, {"outlet", 1}});
  EXPECT_TRUE(a.wait_for("result"));
  EXPECT_TRUE(b.wait_for("result"));
}

TEST_F(web_hostile, a_page_that_vanishes_frees_its_stream) {
  {
    test::event_stream a(port), b(port);
    ASSERT_TRUE(a.wait_for("snapshot"));
    ASSERT_TRUE(b.wait_for("snapshot"));
  }  // both closed by the client
  // The server notices at its next write (an event or the 200 ms keep-alive here).
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    test::event_stream again(port);
    reopened = again.wait_for("snapshot", {}, 200ms).has_value();
    if (!reopened) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace pdu2mqtt::web
