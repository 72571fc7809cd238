// Golden SNMP messages (RFC 1157, RFC 3416), several captured from net-snmp's tools with -d,
// encoded and decoded byte for byte; then everything the decoder must refuse, and how.
#include "pdu2mqtt/snmp/message.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "codec_test_support.hpp"

namespace {

using namespace pdu2mqtt::snmp;
using codec_test::ascii;
using codec_test::bytes;
using codec_test::cat;
using codec_test::repeat;

const oid sys_descr_0{1, 3, 6, 1, 2, 1, 1, 1, 0};
const oid sys_up_time_0{1, 3, 6, 1, 2, 1, 1, 3, 0};
const oid cyberpower_identity{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 1, 1, 0};
const oid outlet_control{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1, 4};

// OID content octets, spelled once: 1.3 = 0x2B (X.690 8.19.4), 3808 = 0x9D 0x60.
const bytes mib2_system = {0x2B, 0x06, 0x01, 0x02, 0x01, 0x01};  // .1.3.6.1.2.1.1
const bytes cyberpower_epdu = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x9D, 0x60, 0x01, 0x01, 0x03};

struct golden {
  const char* name;
  message m;
  bytes expected;
};

// The golden tables below are laid out by hand, one field per line with its comment;
// clang-format would join the rows.
// clang-format off

// `snmpget -v2c -c public -d 127.0.0.1:9 .1.3.6.1.2.1.1.1.0`, as net-snmp 5.9 sent it.
golden netsnmp_v2c_get() {
  return {"net-snmp v2c GetRequest",
          {version::v2c, "public",
           {pdu_type::get_request, 0x72EEECA0, 0, 0, {{sys_descr_0, null_value{}}}}},
          cat({
              {0x30, 0x29},                             // Message SEQUENCE, 41 bytes
              {0x02, 0x01, 0x01},                       //   version INTEGER 1 = v2c
              {0x04, 0x06}, ascii("public"),            //   community OCTET STRING
              {0xA0, 0x1C},                             //   GetRequest-PDU, 28 bytes
              {0x02, 0x04, 0x72, 0xEE, 0xEC, 0xA0},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status 0
              {0x02, 0x01, 0x00},                       //     error-index 0
              {0x30, 0x0E},                             //     varbind list, 14 bytes
              {0x30, 0x0C},                             //       varbind, 12 bytes
              {0x06, 0x08}, mib2_system, {0x01, 0x00},  //         name sysDescr.0
              {0x05, 0x00},                             //         value NULL
          })};
}

// `snmpget -v1 -c private -d 127.0.0.1:9 sysDescr.0 sysUpTime.0 .1.3.6.1.4.1.3808.1.1.3.1.1.0`.
golden netsnmp_v1_get() {
  return {"net-snmp v1 GetRequest, 3 varbinds",
          {version::v1, "private",
           {pdu_type::get_request, 0x6F584DB9, 0, 0,
            {{sys_descr_0, null_value{}},
             {sys_up_time_0, null_value{}},
             {cyberpower_identity, null_value{}}}}},
          cat({
              {0x30, 0x4B},                             // Message SEQUENCE, 75 bytes
              {0x02, 0x01, 0x00},                       //   version INTEGER 0 = v1
              {0x04, 0x07}, ascii("private"),           //   community
              {0xA0, 0x3D},                             //   GetRequest-PDU, 61 bytes
              {0x02, 0x04, 0x6F, 0x58, 0x4D, 0xB9},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x2F},                             //     varbind list, 47 bytes
              {0x30, 0x0C},                             //       varbind 1, 12 bytes
              {0x06, 0x08}, mib2_system, {0x01, 0x00},  //         sysDescr.0
              {0x05, 0x00},                             //         NULL
              {0x30, 0x0C},                             //       varbind 2
              {0x06, 0x08}, mib2_system, {0x03, 0x00},  //         sysUpTime.0
              {0x05, 0x00},                             //         NULL
              {0x30, 0x11},                             //       varbind 3, 17 bytes
              {0x06, 0x0D}, cyberpower_epdu,            //         .1.3.6.1.4.1.3808.1.1.3
              {0x01, 0x01, 0x00},                       //           .1.1.0
              {0x05, 0x00},                             //         NULL
          })};
}

// `snmpgetnext -v2c -c public -d 127.0.0.1:9 .1.3.6.1.4.1.3808.1.1.3.3.3.1.1.4`.
golden netsnmp_v2c_get_next() {
  return {"net-snmp v2c GetNextRequest",
          {version::v2c, "public",
           {pdu_type::get_next_request, 0x41C1BFD9, 0, 0, {{outlet_control, null_value{}}}}},
          cat({
              {0x30, 0x30},                             // Message SEQUENCE, 48 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA1, 0x23},                             //   GetNextRequest-PDU, 35 bytes
              {0x02, 0x04, 0x41, 0xC1, 0xBF, 0xD9},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x15},                             //     varbind list, 21 bytes
              {0x30, 0x13},                             //       varbind, 19 bytes
              {0x06, 0x0F}, cyberpower_epdu,            //         name ...3808.1.1.3
              {0x03, 0x03, 0x01, 0x01, 0x04},           //           .3.3.1.1.4
              {0x05, 0x00},                             //         NULL
          })};
}

// `snmpbulkget -v2c -c public -Cn1 -Cr10 -d 127.0.0.1:9 sysUpTime.0 ifDescr`.
golden netsnmp_v2c_get_bulk() {
  const oid if_descr{1, 3, 6, 1, 2, 1, 2, 2, 1, 2};
  return {"net-snmp v2c GetBulkRequest",
          {version::v2c, "public",
           {pdu_type::get_bulk_request, 0x386C0B69, 1, 10,
            {{sys_up_time_0, null_value{}}, {if_descr, null_value{}}}}},
          cat({
              {0x30, 0x38},                             // Message SEQUENCE, 56 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA5, 0x2B},                             //   GetBulkRequest-PDU, 43 bytes
              {0x02, 0x04, 0x38, 0x6C, 0x0B, 0x69},     //     request-id
              {0x02, 0x01, 0x01},                       //     non-repeaters 1
              {0x02, 0x01, 0x0A},                       //     max-repetitions 10
              {0x30, 0x1D},                             //     varbind list, 29 bytes
              {0x30, 0x0C},                             //       varbind 1, 12 bytes
              {0x06, 0x08}, mib2_system, {0x03, 0x00},  //         sysUpTime.0
              {0x05, 0x00},                             //         NULL
              {0x30, 0x0D},                             //       varbind 2, 13 bytes
              {0x06, 0x09, 0x2B, 0x06, 0x01, 0x02,      //         ifDescr .1.3.6.1.2
               0x01, 0x02, 0x02, 0x01, 0x02},           //           .1.2.2.1.2
              {0x05, 0x00},                             //         NULL
          })};
}

// `snmpset -v1 -c private -d 127.0.0.1:9 .1.3.6.1.4.1.3808.1.1.3.3.3.1.1.4.1 i 2`
// (ePDUOutletControlOutletCommand.1 = immediateOff).
golden netsnmp_v1_set() {
  return {"net-snmp v1 SetRequest INTEGER",
          {version::v1, "private",
           {pdu_type::set_request, 0x172D26DA, 0, 0, {{outlet_control.child(1), 2}}}},
          cat({
              {0x30, 0x33},                             // Message SEQUENCE, 51 bytes
              {0x02, 0x01, 0x00},                       //   version v1
              {0x04, 0x07}, ascii("private"),           //   community
              {0xA3, 0x25},                             //   SetRequest-PDU, 37 bytes
              {0x02, 0x04, 0x17, 0x2D, 0x26, 0xDA},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x17},                             //     varbind list, 23 bytes
              {0x30, 0x15},                             //       varbind, 21 bytes
              {0x06, 0x10}, cyberpower_epdu,            //         name ...3808.1.1.3
              {0x03, 0x03, 0x01, 0x01, 0x04, 0x01},     //           .3.3.1.1.4.1
              {0x02, 0x01, 0x02},                       //         INTEGER 2
          })};
}

// An agent refusing that SET: notWritable (17) about varbind 2.
golden v2c_error_response() {
  return {"v2c Response with error-status and error-index",
          {version::v2c, "public",
           {pdu_type::response, 1, 17, 2,
            {{sys_up_time_0, time_ticks{12345}}, {outlet_control.child(1), 2}}}},
          cat({
              {0x30, 0x3F},                             // Message SEQUENCE, 63 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA2, 0x32},                             //   Response-PDU, 50 bytes
              {0x02, 0x01, 0x01},                       //     request-id 1
              {0x02, 0x01, 0x11},                       //     error-status 17 notWritable
              {0x02, 0x01, 0x02},                       //     error-index 2
              {0x30, 0x27},                             //     varbind list, 39 bytes
              {0x30, 0x0E},                             //       varbind 1, 14 bytes
              {0x06, 0x08}, mib2_system, {0x03, 0x00},  //         sysUpTime.0
              {0x43, 0x02, 0x30, 0x39},                 //         TimeTicks 12345
              {0x30, 0x15},                             //       varbind 2, 21 bytes
              {0x06, 0x10}, cyberpower_epdu,            //         name ...3808.1.1.3
              {0x03, 0x03, 0x01, 0x01, 0x04, 0x01},     //           .3.3.1.1.4.1
              {0x02, 0x01, 0x02},                       //         INTEGER 2
          })};
}

// A Response long enough that every constructed length takes the long form (0x81 NN).
golden v2c_long_response() {
  const std::string descr(200, 'D');
  return {"v2c Response with long-form lengths",
          {version::v2c, "public",
           {pdu_type::response, 0x72EEECA0, 0, 0, {{sys_descr_0, descr}}}},
          cat({
              {0x30, 0x81, 0xF5},                       // Message SEQUENCE, 245 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA2, 0x81, 0xE7},                       //   Response-PDU, 231 bytes
              {0x02, 0x04, 0x72, 0xEE, 0xEC, 0xA0},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x81, 0xD8},                       //     varbind list, 216 bytes
              {0x30, 0x81, 0xD5},                       //       varbind, 213 bytes
              {0x06, 0x08}, mib2_system, {0x01, 0x00},  //         sysDescr.0
              {0x04, 0x81, 0xC8}, repeat('D', 200),     //         OCTET STRING, 200 bytes
          })};
}

// One varbind of every other value type in a single Response.
golden v2c_every_type_response() {
  return {"v2c Response with every value type",
          {version::v2c, "public",
           {pdu_type::response, 7, 0, 0,
            {
                {{1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1}, counter32{0xFFFFFFFF}},
                {{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 2, 3, 1, 1, 2, 1}, gauge32{42}},
                {{1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1},
                 counter64{std::numeric_limits<std::uint64_t>::max()}},
                {{1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 10, 0, 0, 1}, ip_address{{10, 0, 0, 1}}},
                {{1, 3, 6, 1, 2, 1, 1, 2, 0}, oid{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3}},
                {{1, 3, 6, 1, 2, 1, 1, 9, 0}, no_such_instance{}},
                {{1, 3, 6, 1, 4, 1, 99}, no_such_object{}},
                {{1, 3, 6, 1, 6, 3, 1}, end_of_mib_view{}},
                {{1, 3, 6, 1, 4, 1, 2021, 10, 1, 6, 1},
                 opaque{std::string("\x9F\x78\x04\x3F\x80\x00\x00", 7)}},
            }}},
          cat({
              {0x30, 0x81, 0xCD},                       // Message SEQUENCE, 205 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA2, 0x81, 0xBF},                       //   Response-PDU, 191 bytes
              {0x02, 0x01, 0x07},                       //     request-id 7
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x81, 0xB3},                       //     varbind list, 179 bytes
              {0x30, 0x13},                             //       varbind 1, 19 bytes
              {0x06, 0x0A, 0x2B, 0x06, 0x01, 0x02,      //         ifInOctets .1.3.6.1.2
               0x01, 0x02, 0x02, 0x01, 0x0A, 0x01},     //           .1.2.2.1.10.1
              {0x41, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF},  //      Counter32 2^32-1
              {0x30, 0x15},                             //       varbind 2, 21 bytes
              {0x06, 0x10}, cyberpower_epdu,            //         name ...3808.1.1.3
              {0x02, 0x03, 0x01, 0x01, 0x02, 0x01},     //           .2.3.1.1.2.1
              {0x42, 0x01, 0x2A},                       //         Gauge32 42
              {0x30, 0x18},                             //       varbind 3, 24 bytes
              {0x06, 0x0B, 0x2B, 0x06, 0x01, 0x02,      //         ifHCInOctets .1.3.6.1.2
               0x01, 0x1F, 0x01, 0x01, 0x01, 0x06,      //           .1.31.1.1.1.6
               0x01},                                   //           .1
              {0x46, 0x09, 0x00}, repeat(0xFF, 8),      //         Counter64 2^64-1
              {0x30, 0x15},                             //       varbind 4, 21 bytes
              {0x06, 0x0D, 0x2B, 0x06, 0x01, 0x02,      //         ipAdEntAddr .1.3.6.1.2
               0x01, 0x04, 0x14, 0x01, 0x01,            //           .1.4.20.1.1
               0x0A, 0x00, 0x00, 0x01},                 //           .10.0.0.1
              {0x40, 0x04, 0x0A, 0x00, 0x00, 0x01},     //         IpAddress 10.0.0.1
              {0x30, 0x16},                             //       varbind 5, 22 bytes
              {0x06, 0x08}, mib2_system, {0x02, 0x00},  //         sysObjectID.0
              {0x06, 0x0A}, cyberpower_epdu,            //         OID ...3808.1.1.3
              {0x30, 0x0C},                             //       varbind 6, 12 bytes
              {0x06, 0x08}, mib2_system, {0x09, 0x00},  //         .1.3.6.1.2.1.1.9.0
              {0x81, 0x00},                             //         noSuchInstance
              {0x30, 0x0A},                             //       varbind 7, 10 bytes
              {0x06, 0x06, 0x2B, 0x06, 0x01, 0x04,      //         .1.3.6.1.4
               0x01, 0x63},                             //           .1.99
              {0x80, 0x00},                             //         noSuchObject
              {0x30, 0x0A},                             //       varbind 8, 10 bytes
              {0x06, 0x06, 0x2B, 0x06, 0x01, 0x06,      //         .1.3.6.1.6
               0x03, 0x01},                             //           .3.1
              {0x82, 0x00},                             //         endOfMibView
              {0x30, 0x16},                             //       varbind 9, 22 bytes
              {0x06, 0x0B, 0x2B, 0x06, 0x01, 0x04,      //         laLoadFloat .1.3.6.1.4
               0x01, 0x8F, 0x65,                        //           .1.2021 (15*128 + 101)
               0x0A, 0x01, 0x06, 0x01},                 //           .10.1.6.1
              {0x44, 0x07, 0x9F, 0x78, 0x04,            //         Opaque: net-snmp's
               0x3F, 0x80, 0x00, 0x00},                 //           float 1.0, as bytes
          })};
}

// net-snmp 5.9.3 snmpd answering `snmpget -v2c` for sysDescr.0, sysObjectID.0, sysUpTime.0,
// sysLocation.0, a CyberPower OID it lacks and sysDescr.1: captured with -d. Its varbind
// list is exactly 128 bytes, the first length that needs the long form.
golden snmpd_v2c_response() {
  return {"net-snmp snmpd v2c Response",
          {version::v2c, "public",
           {pdu_type::response, 0x508031EB, 0, 0,
            {{sys_descr_0, std::string("CyberPower test agent")},
             {{1, 3, 6, 1, 2, 1, 1, 2, 0}, oid{1, 3, 6, 1, 4, 1, 8072, 3, 2, 10}},
             {sys_up_time_0, time_ticks{156}},
             {{1, 3, 6, 1, 2, 1, 1, 6, 0}, std::string("rack A")},
             {cyberpower_identity, no_such_object{}},
             {{1, 3, 6, 1, 2, 1, 1, 1, 1}, no_such_instance{}}}}},
          cat({
              {0x30, 0x81, 0x9D},                       // Message SEQUENCE, 157 bytes
              {0x02, 0x01, 0x01},                       //   version v2c
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA2, 0x81, 0x8F},                       //   Response-PDU, 143 bytes
              {0x02, 0x04, 0x50, 0x80, 0x31, 0xEB},     //     request-id
              {0x02, 0x01, 0x00},                       //     error-status
              {0x02, 0x01, 0x00},                       //     error-index
              {0x30, 0x81, 0x80},                       //     varbind list, 128 bytes
              {0x30, 0x21},                             //       varbind 1, 33 bytes
              {0x06, 0x08}, mib2_system, {0x01, 0x00},  //         sysDescr.0
              {0x04, 0x15},                             //         OCTET STRING, 21 bytes
              ascii("CyberPower test agent"),           //
              {0x30, 0x16},                             //       varbind 2, 22 bytes
              {0x06, 0x08}, mib2_system, {0x02, 0x00},  //         sysObjectID.0
              {0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04,      //         OID .1.3.6.1.4
               0x01, 0xBF, 0x08,                        //           .1.8072 (63*128 + 8)
               0x03, 0x02, 0x0A},                       //           .3.2.10
              {0x30, 0x0E},                             //       varbind 3, 14 bytes
              {0x06, 0x08}, mib2_system, {0x03, 0x00},  //         sysUpTime.0
              {0x43, 0x02, 0x00, 0x9C},                 //         TimeTicks 156 (0x00: top bit)
              {0x30, 0x12},                             //       varbind 4, 18 bytes
              {0x06, 0x08}, mib2_system, {0x06, 0x00},  //         sysLocation.0
              {0x04, 0x06}, ascii("rack A"),            //         OCTET STRING
              {0x30, 0x11},                             //       varbind 5, 17 bytes
              {0x06, 0x0D}, cyberpower_epdu,            //         ...3808.1.1.3
              {0x01, 0x01, 0x00},                       //           .1.1.0
              {0x80, 0x00},                             //         noSuchObject
              {0x30, 0x0C},                             //       varbind 6, 12 bytes
              {0x06, 0x08}, mib2_system, {0x01, 0x01},  //         sysDescr.1
              {0x81, 0x00},                             //         noSuchInstance
          })};
}

// snmpd answering a v1 GetRequest for sysUpTime.0 and .1.3.6.1.4.1.3808.1: noSuchName (2)
// at index 2, with the request's varbinds echoed back (RFC 1157 4.1.2).
golden snmpd_v1_no_such_name() {
  return {"net-snmp snmpd v1 Response noSuchName",
          {version::v1, "public",
           {pdu_type::response, 0x485463C8, 2, 2,
            {{sys_up_time_0, null_value{}}, {{1, 3, 6, 1, 4, 1, 3808, 1}, null_value{}}}}},
          cat({
              {0x30, 0x37},                             // Message SEQUENCE, 55 bytes
              {0x02, 0x01, 0x00},                       //   version v1
              {0x04, 0x06}, ascii("public"),            //   community
              {0xA2, 0x2A},                             //   Response-PDU, 42 bytes
              {0x02, 0x04, 0x48, 0x54, 0x63, 0xC8},     //     request-id
              {0x02, 0x01, 0x02},                       //     error-status 2 noSuchName
              {0x02, 0x01, 0x02},                       //     error-index 2
              {0x30, 0x1C},                             //     varbind list, 28 bytes
              {0x30, 0x0C},                             //       varbind 1, 12 bytes
              {0x06, 0x08}, mib2_system, {0x03, 0x00},  //         sysUpTime.0
              {0x05, 0x00},                             //         NULL
              {0x30, 0x0C},                             //       varbind 2, 12 bytes
              {0x06, 0x08, 0x2B, 0x06, 0x01, 0x04,      //         .1.3.6.1.4
               0x01, 0x9D, 0x60, 0x01},                 //           .1.3808.1
              {0x05, 0x00},                             //         NULL
          })};
}

// clang-format on

std::vector<golden> all_golden() {
  return {netsnmp_v2c_get(),      netsnmp_v1_get(),          netsnmp_v2c_get_next(),
          netsnmp_v2c_get_bulk(), netsnmp_v1_set(),          v2c_error_response(),
          v2c_long_response(),    v2c_every_type_response(), snmpd_v2c_response(),
          snmpd_v1_no_such_name()};
}

TEST(MessageGolden, EncodesExactly) {
  for (const golden& g : all_golden()) {
    SCOPED_TRACE(g.name);
    EXPECT_EQ(encode(g.m), g.expected);
  }
}

TEST(MessageGolden, DecodesExactly) {
  for (const golden& g : all_golden()) {
    SCOPED_TRACE(g.name);
    auto m = decode(g.expected);
    ASSERT_TRUE(m) << m.err().to_string();
    EXPECT_EQ(*m, g.m);
  }
}

TEST(MessageGolden, RoundTrip) {
  for (const golden& g : all_golden()) {
    SCOPED_TRACE(g.name);
    auto m = decode(encode(g.m));
    ASSERT_TRUE(m) << m.err().to_string();
    EXPECT_EQ(*m, g.m);
  }
}

TEST(MessageGolden, EncodeAppendsToTheBuffer) {
  bytes out{0x01, 0x02};
  encode(netsnmp_v2c_get().m, out);
  EXPECT_EQ(out, cat({{0x01, 0x02}, netsnmp_v2c_get().expected}));
}

TEST(MessageGolden, GetBulkFieldsReadAsRepetitions) {
  auto m = decode(netsnmp_v2c_get_bulk().expected);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pdu.non_repeaters(), 1);
  EXPECT_EQ(m->pdu.max_repetitions(), 10);
}

TEST(MessageGolden, AcceptsNonMinimalLengths) {
  // The v2c GetRequest with every length in the long form 0x81 NN, as some agents write.
  // clang-format off
  const bytes b = cat({
      {0x30, 0x81, 0x2F},                             // Message, 47 bytes
      {0x02, 0x81, 0x01, 0x01},                       //   version
      {0x04, 0x81, 0x06}, ascii("public"),            //   community
      {0xA0, 0x81, 0x1F},                             //   PDU, 31 bytes
      {0x02, 0x04, 0x72, 0xEE, 0xEC, 0xA0},           //     request-id
      {0x02, 0x01, 0x00},                             //     error-status
      {0x02, 0x01, 0x00},                             //     error-index
      {0x30, 0x81, 0x10},                             //     list, 16 bytes
      {0x30, 0x81, 0x0D},                             //       varbind, 13 bytes
      {0x06, 0x81, 0x08}, mib2_system, {0x01, 0x00},  //         name
      {0x05, 0x00},                                   //         NULL
  });
  // clang-format on
  auto m = decode(b);
  ASSERT_TRUE(m) << m.err().to_string();
  EXPECT_EQ(*m, netsnmp_v2c_get().m);
}

TEST(MessageNames, ToString) {
  for (int t = 0xA0; t <= 0xA8; ++t) {
    EXPECT_NE(to_string(static_cast<pdu_type>(t)), "unknown PDU") << t;
  }
  EXPECT_EQ(to_string(static_cast<pdu_type>(0x30)), "unknown PDU");
  EXPECT_EQ(to_string(version::v3), "v3");
  EXPECT_EQ(to_string(static_cast<version>(2)), "unknown version");
  EXPECT_EQ(to_string(pdu_type::get_bulk_request), "GetBulkRequest");
  EXPECT_EQ(to_string(pdu_type::response), "Response");
  EXPECT_EQ(to_string(version::v2c), "v2c");
  EXPECT_EQ(to_string(version::v1), "v1");
}

// ---- rejection --------------------------------------------------------------------------

// The v2c GetRequest's bytes with the PDU (everything after the community) replaced.
bytes v2c_with_pdu(const bytes& pdu) {
  bytes body = cat({{0x02, 0x01, 0x01}, {0x04, 0x06}, ascii("public"), pdu});
  bytes out;
  pdu2mqtt::snmp::ber::writer w(out);
  const auto mark = w.begin_constructed(0x30);
  out.insert(out.end(), body.begin(), body.end());
  w.end_constructed(mark);
  return out;
}

using codec_test::wrap;

const bytes zero_fields = {0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
const bytes one_varbind = wrap(0x30, cat({{0x06, 0x03, 0x2B, 0x06, 0x01}, {0x05, 0x00}}));

errc decode_code(const bytes& b) {
  return errc(decode(b).code().value());
}

TEST(MessageReject, EveryPrefixFailsCleanly) {
  for (const golden& g : all_golden()) {
    SCOPED_TRACE(g.name);
    for (std::size_t n = 0; n < g.expected.size(); ++n) {
      auto m = decode(std::span<const std::uint8_t>(g.expected.data(), n));
      ASSERT_FALSE(m) << "prefix of " << n << " bytes decoded";
      EXPECT_EQ(m.code(), errc::truncated) << n << ": " << m.err().to_string();
    }
  }
}

TEST(MessageReject, EverySingleByteCorruptionFailsOrRoundTrips) {
  // Not a golden check: proves no corruption crashes or yields a message that cannot be
  // re-encoded to itself (ASan/UBSan builds make this meaningful).
  for (const golden& g : all_golden()) {
    for (std::size_t i = 0; i < g.expected.size(); ++i) {
      for (const std::uint8_t b : {0x00, 0x01, 0x7F, 0x80, 0x81, 0x84, 0xFF}) {
        bytes c = g.expected;
        c[i] = b;
        auto m = decode(c);
        if (!m) continue;
        auto again = decode(encode(*m));
        ASSERT_TRUE(again) << g.name << " byte " << i << ": " << again.err().to_string();
        EXPECT_EQ(*again, *m);
      }
    }
  }
}

TEST(MessageReject, TrailingData) {
  bytes b = cat({netsnmp_v2c_get().expected, {0x00}});
  auto m = decode(b);
  EXPECT_EQ(m.code(), errc::trailing_data);
  EXPECT_EQ(m.err().detail, "1 bytes after the message at offset 43");
  // A second message glued on is trailing data too.
  EXPECT_EQ(decode_code(cat({netsnmp_v2c_get().expected, netsnmp_v2c_get().expected})),
            errc::trailing_data);
  // Inside a varbind, after the value.
  EXPECT_EQ(decode_code(v2c_with_pdu(wrap(
                0xA0, cat({zero_fields, wrap(0x30, wrap(0x30, cat({{0x06, 0x03, 0x2B, 0x06, 0x01},
                                                                   {0x05, 0x00},
                                                                   {0x05, 0x00}})))})))),
            errc::trailing_data);
  // Inside the PDU, after the varbind list.
  EXPECT_EQ(decode_code(v2c_with_pdu(
                wrap(0xA0, cat({zero_fields, wrap(0x30, one_varbind), {0x05, 0x00}})))),
            errc::trailing_data);
  // Inside the message, after the PDU.
  EXPECT_EQ(decode_code(v2c_with_pdu(
                cat({wrap(0xA0, cat({zero_fields, wrap(0x30, one_varbind)})), {0x05, 0x00}}))),
            errc::trailing_data);
}

TEST(MessageReject, Lengths) {
  bytes b = netsnmp_v2c_get().expected;
  bytes indefinite = b;
  indefinite[1] = 0x80;  // X.690 8.1.3.6
  EXPECT_EQ(decode_code(indefinite), errc::indefinite_length);
  // Five length octets (0x85): more than max_length_octets.
  EXPECT_EQ(
      decode_code(cat({{0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x29}, bytes(b.begin() + 2, b.end())})),
      errc::bad_length);
  // Outer length one short: the last byte is outside the message, checked first.
  bytes short_outer = b;
  short_outer[1] = 0x28;
  EXPECT_EQ(decode_code(short_outer), errc::trailing_data);
  // Outer length one long.
  bytes long_outer = b;
  long_outer[1] = 0x2A;
  EXPECT_EQ(decode_code(long_outer), errc::truncated);
}

TEST(MessageReject, ErrorDetailNamesTheVarbindAndOffset) {
  // Varbind 3's value claims 200 bytes; only 12... here 0 are left after its header.
  const bytes vb = wrap(0x30, cat({{0x06, 0x03, 0x2B, 0x06, 0x01}, {0x05, 0x00}}));
  const bytes bad = wrap(0x30, cat({{0x06, 0x03, 0x2B, 0x06, 0x01}, {0x04, 0x81, 0xC8}}));
  const bytes b = v2c_with_pdu(wrap(0xA0, cat({zero_fields, wrap(0x30, cat({vb, vb, bad}))})));
  auto m = decode(b);
  ASSERT_EQ(m.code(), errc::truncated);
  // 13 (version, community) + 2 (PDU) + 9 (fields) + 2 (list) + 2 * 9 (varbinds) + 2 + 5.
  EXPECT_EQ(m.err().detail,
            "varbind 3 value: OCTET STRING (0x04): length 200 exceeds the 0 bytes left at "
            "offset 54");
  EXPECT_EQ(m.err().to_string(), "BER data truncated: " + m.err().detail);
}

TEST(MessageReject, UnexpectedTags) {
  // version as OCTET STRING.
  bytes b = netsnmp_v2c_get().expected;
  b[2] = 0x04;
  auto m = decode(b);
  EXPECT_EQ(m.code(), errc::unexpected_tag);
  EXPECT_EQ(m.err().detail,
            "version: expected INTEGER (0x02) at offset 2, found OCTET STRING (0x04)");
  // Not a SEQUENCE at all.
  EXPECT_EQ(decode_code(bytes{0x04, 0x00}), errc::unexpected_tag);
  // A SEQUENCE where the PDU goes.
  EXPECT_EQ(decode_code(v2c_with_pdu(wrap(0x30, cat({zero_fields, wrap(0x30, {})})))),
            errc::unexpected_tag);
  // A varbind name that is not an OID.
  EXPECT_EQ(decode_code(v2c_with_pdu(wrap(
                0xA0, cat({zero_fields,
                           wrap(0x30, wrap(0x30, cat({{0x04, 0x01, 0x41}, {0x05, 0x00}})))})))),
            errc::unexpected_tag);
  // A varbind value of a type SNMP does not have.
  EXPECT_EQ(
      decode_code(v2c_with_pdu(wrap(
          0xA0, cat({zero_fields,
                     wrap(0x30, wrap(0x30, cat({{0x06, 0x01, 0x2B}, {0x01, 0x01, 0xFF}})))})))),
      errc::unexpected_tag);
  // A varbind missing its value.
  EXPECT_EQ(decode_code(v2c_with_pdu(
                wrap(0xA0, cat({zero_fields, wrap(0x30, wrap(0x30, {0x06, 0x01, 0x2B}))})))),
            errc::truncated);
  // No varbind list.
  EXPECT_EQ(decode_code(v2c_with_pdu(wrap(0xA0, zero_fields))), errc::truncated);
}

TEST(MessageReject, Versions) {
  for (const std::uint8_t v : {0x02, 0x03, 0x7F, 0xFF}) {  // 3 = SNMPv3, 0xFF = -1
    bytes b = netsnmp_v2c_get().expected;
    b[4] = v;
    EXPECT_EQ(decode_code(b), errc::unsupported_version) << int(v);
  }
  // version INTEGER too long to fit.
  EXPECT_EQ(decode_code(wrap(0x30, cat({{0x02, 0x06, 0, 0, 0, 0, 0, 1}, {0x04, 0x00}}))),
            errc::integer_overflow);
}

TEST(MessageReject, PduTypes) {
  // v1 Trap-PDU: another layout, never accepted here.
  bytes trap = netsnmp_v1_get().expected;
  trap[14] = 0xA4;
  EXPECT_EQ(decode_code(trap), errc::unsupported_pdu);
  // GetBulk in a v1 message (RFC 3416 4.2.3 is v2c only).
  bytes bulk = netsnmp_v2c_get_bulk().expected;
  bulk[4] = 0x00;
  auto m = decode(bulk);
  EXPECT_EQ(m.code(), errc::unsupported_pdu);
  EXPECT_EQ(m.err().detail, "GetBulkRequest at offset 13 in a v1 message");
  // Unknown context tag 0xA9.
  bytes unknown = netsnmp_v2c_get().expected;
  unknown[13] = 0xA9;
  EXPECT_EQ(decode_code(unknown), errc::unsupported_pdu);
  // Every PDU type in 0xA0..0xA8 but the v1 trap decodes in v2c.
  for (std::uint8_t t = 0xA0; t <= 0xA8; ++t) {
    bytes b = netsnmp_v2c_get().expected;
    b[13] = t;
    EXPECT_EQ(decode(b).has_value(), t != 0xA4) << int(t);
  }
}

TEST(MessageReject, IntegerFieldsOverflow) {
  // request-id of 6 octets.
  const bytes fields = {0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
  auto m = decode(v2c_with_pdu(wrap(0xA0, cat({fields, wrap(0x30, one_varbind)}))));
  EXPECT_EQ(m.code(), errc::integer_overflow);
  EXPECT_EQ(m.err().detail.rfind("request-id at offset 15", 0), 0u) << m.err().detail;
}

TEST(MessageReject, Community) {
  const std::string longest(max_community_length, 'c');
  message ok_m = netsnmp_v2c_get().m;
  ok_m.community = longest;
  auto ok = decode(encode(ok_m));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->community, longest);
  message too_long = ok_m;
  too_long.community += 'c';
  EXPECT_EQ(decode_code(encode(too_long)), errc::bad_length);
}

TEST(MessageReject, OidsInVarbinds) {
  auto with_name = [](const bytes& name) {
    return v2c_with_pdu(
        wrap(0xA0, cat({zero_fields, wrap(0x30, wrap(0x30, cat({name, {0x05, 0x00}})))})));
  };
  // Arc 2^32: overflow.
  EXPECT_EQ(decode_code(with_name({0x06, 0x06, 0x2B, 0x90, 0x80, 0x80, 0x80, 0x00})),
            errc::bad_oid);
  // Empty OID.
  EXPECT_EQ(decode_code(with_name({0x06, 0x00})), errc::bad_oid);
  // 129 arcs.
  EXPECT_EQ(decode_code(with_name(cat({{0x06, 0x81, 0x80, 0x2B}, repeat(0x01, 127)}))),
            errc::too_many_oid_arcs);
}

TEST(MessageReject, VarbindCount) {
  auto with_n = [](std::size_t n) {
    bytes list;
    for (std::size_t i = 0; i < n; ++i)
      list.insert(list.end(), one_varbind.begin(), one_varbind.end());
    return v2c_with_pdu(wrap(0xA0, cat({zero_fields, wrap(0x30, list)})));
  };
  auto most = decode(with_n(max_varbinds));
  ASSERT_TRUE(most) << most.err().to_string();
  EXPECT_EQ(most->pdu.varbinds.size(), max_varbinds);
  auto m = decode(with_n(max_varbinds + 1));
  EXPECT_EQ(m.code(), errc::too_many_varbinds);
  // An empty varbind list is legal (RFC 3416 allows zero bindings).
  auto none = decode(with_n(0));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->pdu.varbinds.empty());
}

TEST(MessageReject, MessageTooLarge) {
  // One byte over, whatever it holds: refused before it is parsed.
  EXPECT_EQ(decode_code(bytes(max_message_size + 1, 0x30)), errc::message_too_large);
  // The largest allowed size is parsed (and here fails for its content, not its size).
  EXPECT_NE(decode_code(bytes(max_message_size, 0x30)), errc::message_too_large);
}

TEST(MessageReject, NestingGoesNoDeeperThanTheLayout) {
  // 200 SEQUENCEs as a message: the decoder never recurses, it stops at the first wrong tag.
  EXPECT_EQ(decode_code(codec_test::nested_sequences(200)), errc::unexpected_tag);
}

}  // namespace
