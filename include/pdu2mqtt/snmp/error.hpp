// SNMP error codes: RFC 3416 error-status values keep their wire numbers; decoding and
// transport failures follow, so one std::error_category covers the whole snmp layer.
#pragma once

#include <system_error>

namespace pdu2mqtt::snmp {

enum class errc {
  // RFC 3416 section 3, error-status (v1 uses 1..5).
  too_big = 1,
  no_such_name = 2,
  bad_value = 3,
  read_only = 4,
  gen_err = 5,
  no_access = 6,
  wrong_type = 7,
  wrong_length = 8,
  wrong_encoding = 9,
  wrong_value = 10,
  no_creation = 11,
  inconsistent_value = 12,
  resource_unavailable = 13,
  commit_failed = 14,
  undo_failed = 15,
  authorization_error = 16,
  not_writable = 17,
  inconsistent_name = 18,

  // Decoding (X.690 BER and the RFC 3416 message structure).
  truncated = 100,      // a length points past the end of its enclosing TLV
  bad_length,           // malformed length octets (too many, non-minimal where forbidden)
  indefinite_length,    // X.690 8.1.3.6: not allowed in SNMP (RFC 3417 8)
  unexpected_tag,       // a TLV of the wrong type at this position
  trailing_data,        // bytes after the message or inside a TLV after its last field
  integer_overflow,     // integer does not fit its type (INTEGER is 32-bit signed)
  bad_oid,              // OID encoding broken (arc overflow, non-minimal, empty)
  too_many_oid_arcs,    // more than max_oid_arcs
  too_many_varbinds,    // more than max_varbinds
  message_too_large,    // more than max_message_size
  unsupported_version,  // not v1/v2c (v3 is handled elsewhere)
  unsupported_pdu,      // PDU type we never accept here (traps, reports)
  too_deeply_nested,    // constructed TLVs nested past max_nesting

  // Exchange and transport.
  timeout = 200,      // no matching response after all retries
  response_mismatch,  // response varbinds do not correspond to the request
  socket_error,       // the UDP socket failed
  cancelled,          // the client was closed while the request was in flight
  invalid_request,    // caller asked for something impossible (empty OID list, ...)

  // SNMPv3 (RFC 3412, RFC 3414): security processing, and the Report PDUs that name a cause.
  unsupported_security_level = 300,  // usmStatsUnsupportedSecLevels
  not_in_time_window,                // usmStatsNotInTimeWindows
  unknown_user_name,                 // usmStatsUnknownUserNames
  unknown_engine_id,                 // usmStatsUnknownEngineIDs
  wrong_digest,                      // usmStatsWrongDigests: wrong auth password or protocol
  decryption_error,                  // usmStatsDecryptionErrors: wrong priv password or protocol
  report,                            // another Report PDU (RFC 3412 7.2 counters)
  engine_discovery_failed,           // no engine ID or time learnt from the agent
};

const std::error_category& snmp_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), snmp_category()};
}

// True for error-status values that an agent can send in a Response PDU.
constexpr bool is_error_status(errc e) noexcept {
  return static_cast<int>(e) >= 1 && static_cast<int>(e) <= 18;
}

}  // namespace pdu2mqtt::snmp

template <>
struct std::is_error_code_enum<pdu2mqtt::snmp::errc> : std::true_type {};
