// libFuzzer target: SNMPv3 datagrams into v3::peek and v3::open with fixed keys. The first
// input byte picks the key set (low 2 bits) and whether to re-authenticate (0x80): the HMAC is
// recomputed over the mutated message, so decryption and the decoding of decrypted garbage are
// reached too. Whatever opens must seal and open again to the same message.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "usm_crypto.hpp"

namespace snmp = pdu2mqtt::snmp;
namespace v3 = pdu2mqtt::snmp::v3;

namespace {

using namespace std::string_view_literals;

// The seed corpus (fuzz/corpus/usm) was sealed with these keys: change both together.
constexpr std::string_view fuzz_engine_id =
    "\x80\x00\x1f\x88\x80"
    "fuzz"sv;

const std::array<v3::localized_keys, 4>& key_sets() {
  static const std::array<v3::localized_keys, 4> keys = [] {
    const auto make = [](v3::auth_protocol a, v3::priv_protocol p) {
      const v3::user u{"fuzz", a, "fuzz-auth-pass", p, "fuzz-priv-pass"};
      return v3::localize(u, std::span(reinterpret_cast<const std::uint8_t*>(fuzz_engine_id.data()),
                                       fuzz_engine_id.size()));
    };
    return std::array{make(v3::auth_protocol::sha1, v3::priv_protocol::aes128),
                      make(v3::auth_protocol::md5, v3::priv_protocol::des),
                      make(v3::auth_protocol::sha512, v3::priv_protocol::aes256),
                      make(v3::auth_protocol::sha224, v3::priv_protocol::aes192)};
  }();
  return keys;
}

// msgAuthenticationParameters' content (offset, length), walked as RFC 3412 6 lays it out.
std::optional<std::pair<std::size_t, std::size_t>> auth_parameters(
    std::span<const std::uint8_t> in) {
  snmp::ber::reader top(in);
  auto outer = top.expect(snmp::ber::tag::sequence);
  if (!outer) return std::nullopt;
  auto body = snmp::ber::reader::inside(*outer);
  if (!body.next() || !body.next()) return std::nullopt;  // msgVersion, msgGlobalData
  auto security = body.expect(snmp::ber::tag::octet_string);
  if (!security) return std::nullopt;
  auto holder = snmp::ber::reader::inside(*security);
  auto usm = holder.expect(snmp::ber::tag::sequence);
  if (!usm) return std::nullopt;
  auto fields = snmp::ber::reader::inside(*usm);
  for (int i = 0; i < 4; ++i)  // engine ID, boots, time, user name
    if (!fields.next()) return std::nullopt;
  auto auth = fields.expect(snmp::ber::tag::octet_string);
  if (!auth) return std::nullopt;
  return std::pair{static_cast<std::size_t>(auth->content.data() - in.data()),
                   auth->content.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const v3::localized_keys& keys = key_sets()[selector & 0x03];
  std::vector<std::uint8_t> datagram(data + 1, data + size);

  const auto env = v3::peek(datagram);
  if (!env) (void)env.err().to_string();
  (void)v3::open(datagram, nullptr);

  if ((selector & 0x80) != 0 && env && (env->flags & v3::flags::auth) != 0) {
    const auto where = auth_parameters(datagram);
    if (where && where->second == v3::auth_parameters_length(keys.auth)) {
      std::fill_n(datagram.begin() + static_cast<std::ptrdiff_t>(where->first), where->second, 0);
      const auto mac = v3::detail::hmac(keys.auth, keys.auth_key, datagram);
      std::copy_n(mac.begin(), where->second,
                  datagram.begin() + static_cast<std::ptrdiff_t>(where->first));
    }
  }

  const auto opened = v3::open(datagram, &keys);
  if (!opened) {
    (void)opened.err().to_string();
    return 0;
  }
  (void)v3::report_error(opened->pdu);
  const auto again = v3::seal(*opened, &keys, 0x0123456789ABCDEF);
  // Re-encoding may add octets that lenient input omitted; past the limit it cannot be read.
  if (again.size() > snmp::max_message_size) return 0;
  const auto back = v3::open(again, &keys);
  if (!back) std::abort();
  v3::message expected = *opened;
  expected.usm.auth_parameters = back->usm.auth_parameters;
  expected.usm.priv_parameters = back->usm.priv_parameters;
  if (!(*back == expected)) std::abort();
  return 0;
}
