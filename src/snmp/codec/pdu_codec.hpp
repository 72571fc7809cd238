// Internal to the snmp layer: the PDU part of a message (RFC 3416 3), shared by the v1/v2c
// codec (message.cpp) and the SNMPv3 scopedPDU codec (usm_message.cpp).
#pragma once

#include <string>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/message.hpp"

namespace pdu2mqtt::snmp::detail {

// Writes the PDU TLV (type, request-id, error-status, error-index, varbind list).
void encode_pdu(const pdu& p, ber::writer& w);

// Decodes a PDU TLV read from a message of version v: GetBulk is refused in v1 (RFC 3416
// 4.2.3), the v1 Trap-PDU always; the caller checks what follows the TLV.
result<pdu> decode_pdu(const ber::tlv& pdu_tlv, version v);

// e with `where` prepended to its detail.
error in_context(const error& e, const std::string& where);

}  // namespace pdu2mqtt::snmp::detail
