// SNMP v1/v2c messages (RFC 1157, RFC 3416): PDUs with many varbinds, encode and decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pdu2mqtt/common/name_table.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/error.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace pdu2mqtt::snmp {

// Largest UDP payload over IPv4; RFC 3417 3.2 asks agents to take at least 484.
inline constexpr std::size_t max_message_size = 65507;
// A response cannot usefully carry more; a peer sending 10 000 is refused, not parsed.
inline constexpr std::size_t max_varbinds = 2048;
inline constexpr std::size_t max_community_length = 255;

enum class version : std::int32_t { v1 = 0, v2c = 1, v3 = 3 };
// As the config and the command line spell them (net-snmp's -v); to_string is the log's "v2c".
inline constexpr name_table<version, 3> version_names = {
    {"1", version::v1}, {"2c", version::v2c}, {"3", version::v3}};

enum class pdu_type : std::uint8_t {
  get_request = 0xA0,
  get_next_request = 0xA1,
  response = 0xA2,
  set_request = 0xA3,
  trap_v1 = 0xA4,  // different layout; rejected by decode()
  get_bulk_request = 0xA5,
  inform_request = 0xA6,
  trap_v2 = 0xA7,
  report = 0xA8,
};

std::string_view to_string(pdu_type t) noexcept;
std::string_view to_string(version v) noexcept;

struct pdu {
  pdu_type type = pdu_type::get_request;
  std::int32_t request_id = 0;
  // For GetBulkRequest these two fields are non-repeaters and max-repetitions (RFC 3416 4.2.3).
  std::int32_t error_status = 0;
  std::int32_t error_index = 0;  // 1-based; 0 = not about one varbind
  std::vector<varbind> varbinds;

  std::int32_t non_repeaters() const noexcept { return error_status; }
  std::int32_t max_repetitions() const noexcept { return error_index; }

  friend bool operator==(const pdu&, const pdu&) = default;
};

struct message {
  snmp::version version = snmp::version::v2c;
  std::string community;
  snmp::pdu pdu;

  friend bool operator==(const message&, const message&) = default;
};

// Appends the encoding to out (out is not cleared, so callers can reuse a buffer).
void encode(const message& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const message& m);

// Strict: exactly one message, nothing after it, every limit above enforced.
// GetBulk is rejected in v1 (RFC 3416 has it only for v2c).
result<message> decode(std::span<const std::uint8_t> datagram);

}  // namespace pdu2mqtt::snmp
