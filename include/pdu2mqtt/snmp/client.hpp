// Async SNMP v1/v2c/v3 manager side on one UDP socket per address family (IPv4, and IPv6 once a
// target needs it): many targets, many requests in flight,
// request-id (v3: msgID) matching, per-request timeout and retries, tooBig splitting, SNMPv3
// engine discovery and time synchronisation (RFC 3414 4, 3.2 7b). Errors are values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "pdu2mqtt/snmp/usm.hpp"

namespace pdu2mqtt::snmp {

struct target {
  asio::ip::udp::endpoint endpoint;
  snmp::version version = snmp::version::v2c;
  std::string community = "public";  // v1/v2c
  // v3: the user, shared because a target is copied per request; community is then unused.
  std::shared_ptr<const v3::user> user;
  std::chrono::milliseconds timeout{1000};  // per attempt
  int retries = 2;                          // attempts after the first, same request-id
  // Real CyberPower agents silently drop requests with more than about 12 varbinds.
  std::size_t max_varbinds = 10;
  std::int32_t bulk_max_repetitions = 10;  // walk() on v2c
};

struct client_stats {
  std::uint64_t requests_sent = 0;  // datagrams, retransmissions included
  std::uint64_t retransmissions = 0;
  std::uint64_t responses_matched = 0;
  std::uint64_t timeouts = 0;  // requests that ran out of attempts
  std::uint64_t dropped_unknown_request_id = 0;
  std::uint64_t dropped_wrong_source = 0;
  std::uint64_t dropped_wrong_community = 0;  // right id and source, other community or version
  std::uint64_t dropped_undecodable = 0;
  std::uint64_t too_big_splits = 0;
  // SNMPv3.
  std::uint64_t v3_discoveries = 0;   // engine IDs learnt (RFC 3414 4 probes, unknownEngineID)
  std::uint64_t v3_time_resyncs = 0;  // requests resent after notInTimeWindow (agent rebooted...)
  std::uint64_t v3_clock_went_back = 0;   // an engine's boots went down (it lost its counter)
  std::uint64_t v3_reports = 0;           // Report PDUs received for our requests
  std::uint64_t dropped_unauthentic = 0;  // failed the HMAC, or came at a lower level than asked
  std::uint64_t dropped_outside_time_window = 0;  // authentic but stale (RFC 3414 3.2 7b)
};

// What the client believes about an SNMPv3 agent's engine (RFC 3414 2.3), for diagnostics.
struct engine_info {
  std::string engine_id;  // binary snmpEngineID
  std::int32_t boots = 0;
  std::int32_t time_s = 0;  // the engine's time now, as estimated here
  // Learnt from an authenticated message; otherwise the unauthenticated discovery Report's.
  bool authenticated = false;
};

// A GetRequest list encoded once, for requests asked again and again (a PDU's poll): sending
// it patches a fresh request-id into a copy of each datagram instead of building and encoding
// a PDU, which for a poll of a hundred OIDs saves some hundred allocations and the encoding.
class prepared_get {
 public:
  const std::vector<oid>& oids() const noexcept { return oids_; }
  std::size_t requests() const noexcept { return chunks_.size(); }
  std::size_t max_varbinds() const noexcept { return max_varbinds_; }

 private:
  friend class client;
  struct chunk {
    std::size_t first = 0;  // index into oids_
    std::size_t count = 0;
    std::vector<std::uint8_t> datagram;
    std::size_t id_at = 0;  // offset of the four request-id bytes
  };
  snmp::version version_ = snmp::version::v2c;
  std::string community_;
  std::size_t max_varbinds_ = 1;
  std::vector<oid> oids_;
  std::vector<chunk> chunks_;
};

// Of the addresses a PDU's host name resolved to (resolver results, or endpoints), the one to
// talk to: the first IPv4 one, else the first IPv6 one; nullopt when there is none. IPv4 first,
// so a PDU with both is reached as it always was, and a name with only IPv6 still works.
template <class Entries>
std::optional<asio::ip::udp::endpoint> preferred_endpoint(const Entries& found) {
  std::optional<asio::ip::udp::endpoint> first;
  for (const auto& entry : found) {
    const asio::ip::udp::endpoint endpoint = entry;
    if (endpoint.address().is_v4()) return endpoint;
    if (!first) first = endpoint;
  }
  return first;
}

class client : public std::enable_shared_from_this<client> {
 public:
  // Opens the socket (IPv4 or IPv6 after local's protocol) and starts the receive loop. Targets
  // of the other family are reached through a second socket, opened when first needed.
  static std::shared_ptr<client> create(
      asio::any_io_executor executor,
      const asio::ip::udp::endpoint& local = asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // The values of the OIDs, in the order asked. Lists longer than target.max_varbinds go
  // out as several requests; tooBig splits a request in halves. Per-varbind absence comes
  // back as no_such_object/no_such_instance even on v1, where noSuchName for one OID would
  // otherwise lose the whole PDU: the offending OID is answered no_such_object and the rest
  // are asked again.
  awaitable<result<std::vector<varbind>>> async_get(const target& t, std::vector<oid> oids);

  // The same as async_get(t, oids) for the OIDs prepare_get(t, oids) was given. The prepared
  // requests must outlive the call. A target with another version, community or max_varbinds
  // than the one prepared for is served the general way, and so is every v3 target (each v3
  // message is sealed afresh: msgID, engine clock, salt).
  static prepared_get prepare_get(const target& t, std::vector<oid> oids);
  awaitable<result<std::vector<varbind>>> async_get(const target& t, const prepared_get& prepared);
  // One GetNext for each OID (the successors, in order). v1 end of MIB shows as end_of_mib_view.
  awaitable<result<std::vector<varbind>>> async_get_next(const target& t, std::vector<oid> oids);

  // v2c and v3: one GetBulk exchange, the varbinds as the agent returned them.
  awaitable<result<std::vector<varbind>>> async_get_bulk(const target& t, std::vector<oid> oids,
                                                         std::int32_t non_repeaters,
                                                         std::int32_t max_repetitions);

  // Everything under subtree, in order: GetBulk on v2c/v3, GetNext on v1. Stops at the end of
  // the subtree, at endOfMibView, and at a non-increasing OID (a broken agent must not loop us).
  awaitable<result<std::vector<varbind>>> async_walk(const target& t, oid subtree,
                                                     std::size_t max_results = 100000);

  // One SetRequest with all varbinds (a SET is never split: it must be atomic on the agent).
  awaitable<result<std::vector<varbind>>> async_set(const target& t, std::vector<varbind> vbs);

  // One request/response exchange with timeout and retries. The request-id is assigned here.
  // An error-status in the response comes back as an error whose detail names the varbind.
  // On v3 the agent's engine is discovered first if unknown (cached per endpoint), a Report
  // that ends the request comes back as its errc (wrong_digest, unknown_user_name, ...), and
  // notInTimeWindow or unknownEngineID for a known engine re-synchronise and resend once.
  awaitable<result<pdu>> async_exchange(const target& t, pdu request);

  const client_stats& stats() const noexcept { return stats_; }
  // The SNMPv3 engine known at endpoint, if discovered.
  std::optional<engine_info> engine(const asio::ip::udp::endpoint& endpoint) const;
  // Localized key sets held (one per user identity and engine).
  std::size_t cached_keys() const noexcept { return keys_.size(); }
  // The socket bound at create() (not the other family's).
  asio::ip::udp::endpoint local_endpoint() const;

  // Closes the socket; requests in flight complete with errc::cancelled.
  void close();

 private:
  struct pending;
  struct discovery;
  // RFC 3414 2.3: a non-authoritative engine's notion of an authoritative engine's clock.
  struct engine_clock {
    std::int32_t boots = 0;
    std::int32_t time_s = 0;                // the engine's time at learnt_at
    std::int32_t latest_received_time = 0;  // latestReceivedEngineTime
    std::chrono::steady_clock::time_point learnt_at;
    bool authenticated = false;
    std::int32_t now() const;  // time_s plus the seconds elapsed here since learnt_at
  };
  // A user's identity (everything its keys derive from) and the engine they are localized to.
  using key_id = std::tuple<std::string, v3::auth_protocol, std::string, v3::priv_protocol,
                            std::string, std::string>;

  client(asio::any_io_executor executor, const asio::ip::udp::endpoint& local);
  void start_receiving(asio::ip::udp::socket& socket);
  awaitable<void> receive_loop(asio::ip::udp::socket& socket);
  result<asio::ip::udp::socket*> socket_for(const asio::ip::udp::endpoint& peer);
  void receive_v3(std::span<const std::uint8_t> datagram, const asio::ip::udp::endpoint& sender);
  bool accept_engine_time(const v3::usm_parameters& usm);
  void adopt_engine_time(const v3::usm_parameters& usm);  // from a notInTimeWindow Report
  awaitable<result<pdu>> exchange_once(const target& t, pdu request);
  awaitable<result<pdu>> exchange_v3(const target& t, pdu request);
  awaitable<result<std::string>> discover(const target& t);
  awaitable<result<std::string>> probe_engine(const target& t);
  void learn_engine(const asio::ip::udp::endpoint& endpoint, const v3::usm_parameters& usm);
  result<std::shared_ptr<const v3::localized_keys>> keys_for(const v3::user& u,
                                                             const std::string& engine_id);
  awaitable<result<pdu>> send_and_wait(const target& t, std::int32_t id,
                                       const std::vector<std::uint8_t>& datagram,
                                       std::shared_ptr<pending> waiting = nullptr);
  awaitable<result<std::vector<varbind>>> get_chunk(const target& t, std::vector<oid> oids,
                                                    pdu_type type);
  awaitable<result<std::vector<varbind>>> get_all(const target& t, std::vector<oid> oids,
                                                  pdu_type type);
  std::int32_t next_request_id();
  void arm_sweeper(std::chrono::steady_clock::time_point deadline);
  void sweep();  // wakes the attempts whose deadline has passed

  asio::any_io_executor executor_;
  asio::ip::udp::socket socket_;
  asio::ip::udp::socket other_socket_;  // the other address family; closed until needed
  bool local_is_v6_ = false;
  std::unordered_map<std::int32_t, std::shared_ptr<pending>> pending_;
  asio::steady_timer sweeper_;  // one timer for every attempt's timeout
  bool sweeper_armed_ = false;
  std::chrono::steady_clock::time_point sweeper_at_;
  static constexpr std::int32_t first_request_id = 0x01000000;
  std::int32_t last_request_id_ = first_request_id;
  client_stats stats_;
  bool closed_ = false;
  // SNMPv3 (RFC 3414 2.3, 4): engine per endpoint, clock per engine, keys per (user, engine).
  std::map<asio::ip::udp::endpoint, std::string> engine_ids_;
  std::map<asio::ip::udp::endpoint, std::shared_ptr<discovery>> discovering_;
  std::map<std::string, engine_clock> clocks_;
  std::map<key_id, std::shared_ptr<const v3::localized_keys>> keys_;
  std::uint64_t salt_ = 0;  // RFC 3414 8.1.1.1, RFC 3826 3.1.2.1: advanced per sealed message
};

}  // namespace pdu2mqtt::snmp
