// The "snmp" std::error_category: one readable message per errc value, so logs and
// result<T>::to_string() never show a bare number.
#include "pdu2mqtt/snmp/error.hpp"

#include <string>

namespace pdu2mqtt::snmp {
namespace {

class snmp_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "snmp"; }

  std::string message(int value) const override {
    // Error-status texts carry the RFC 3416 name in parentheses: it is what agents'
    // documentation and net-snmp's snmpget print, so operators can search for it.
    switch (static_cast<errc>(value)) {
      case errc::too_big:
        return "response would be too big for the agent (tooBig)";
      case errc::no_such_name:
        return "no such variable name (noSuchName)";
      case errc::bad_value:
        return "bad value for the variable (badValue)";
      case errc::read_only:
        return "variable is read-only (readOnly)";
      case errc::gen_err:
        return "agent reported a general error (genErr)";
      case errc::no_access:
        return "variable is not accessible (noAccess)";
      case errc::wrong_type:
        return "value has the wrong type for the variable (wrongType)";
      case errc::wrong_length:
        return "value has the wrong length for the variable (wrongLength)";
      case errc::wrong_encoding:
        return "value is wrongly encoded (wrongEncoding)";
      case errc::wrong_value:
        return "value is not allowed for the variable (wrongValue)";
      case errc::no_creation:
        return "variable does not exist and cannot be created (noCreation)";
      case errc::inconsistent_value:
        return "value is inconsistent with other values (inconsistentValue)";
      case errc::resource_unavailable:
        return "agent lacks the resources to set the value (resourceUnavailable)";
      case errc::commit_failed:
        return "agent failed to commit the set (commitFailed)";
      case errc::undo_failed:
        return "agent failed to undo a failed set (undoFailed)";
      case errc::authorization_error:
        return "request not authorized (authorizationError)";
      case errc::not_writable:
        return "variable is not writable (notWritable)";
      case errc::inconsistent_name:
        return "variable name is inconsistent (inconsistentName)";

      case errc::truncated:
        return "BER data truncated";
      case errc::bad_length:
        return "malformed BER length";
      case errc::indefinite_length:
        return "indefinite BER length (not allowed in SNMP)";
      case errc::unexpected_tag:
        return "unexpected BER tag";
      case errc::trailing_data:
        return "unexpected bytes after the last field";
      case errc::integer_overflow:
        return "integer does not fit its type";
      case errc::bad_oid:
        return "malformed OBJECT IDENTIFIER";
      case errc::too_many_oid_arcs:
        return "OBJECT IDENTIFIER has too many sub-identifiers";
      case errc::too_many_varbinds:
        return "too many variable bindings";
      case errc::message_too_large:
        return "SNMP message too large";
      case errc::unsupported_version:
        return "unsupported SNMP version";
      case errc::unsupported_pdu:
        return "unsupported PDU type";
      case errc::too_deeply_nested:
        return "BER data nested too deeply";

      case errc::timeout:
        return "no response from the agent (timeout)";
      case errc::response_mismatch:
        return "response does not match the request";
      case errc::socket_error:
        return "SNMP socket error";
      case errc::cancelled:
        return "SNMP request cancelled";
      case errc::invalid_request:
        return "invalid SNMP request";

      case errc::unsupported_security_level:
        return "the agent does not support this SNMPv3 security level for the user";
      case errc::not_in_time_window:
        return "SNMPv3 message outside the engine's time window";
      case errc::unknown_user_name:
        return "unknown SNMPv3 user name (unknownUserName)";
      case errc::unknown_engine_id:
        return "unknown SNMPv3 engine ID";
      case errc::wrong_digest:
        return "SNMPv3 authentication failure (wrong auth password or protocol)";
      case errc::decryption_error:
        return "SNMPv3 decryption error (wrong privacy password or protocol)";
      case errc::report:
        return "the agent answered with a Report PDU";
      case errc::engine_discovery_failed:
        return "SNMPv3 engine discovery failed";
    }
    return "unknown snmp error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& snmp_category() noexcept {
  static const snmp_error_category category;
  return category;
}

}  // namespace pdu2mqtt::snmp
