// Where and how pdu2mqtt logs: stderr, as human-readable lines or one JSON object per line for
// log shippers (Loki, Vector, journald's JSON mode, `docker logs | jq`).
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "pdu2mqtt/app/log_options.hpp"

namespace pdu2mqtt::app {

// Installs the stderr logger in the given format, keeping the current level. Safe to call again
// (the config file may switch the format after the command line set it).
void log_to_stderr(log_format format);

// {"time":"2026-11-25T11:53:19.123Z","level":"info","msg":"..."} and a newline. Bytes that are
// not UTF-8 (names read from a PDU) become U+FFFD: every line stays valid JSON.
std::unique_ptr<spdlog::formatter> make_json_log_formatter();

void set_log_level(log_level level);

}  // namespace pdu2mqtt::app
