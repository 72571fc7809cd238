// pdu2mqtt_bench: the benchmarks of bench/README.md. `bench/run` builds and runs it.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>

#include "measure.hpp"
#include "sections.hpp"

int main(int argc, char** argv) {
  using namespace pdu2mqtt::bench;
  // A peer that dies mid-run must not kill us with SIGPIPE before we report it.
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::warn);  // our MQTT client's connect lines would clutter tables
  settings s;
  std::string only = "poll,command,scale,footprint,web,bursts";
  std::string json_path = "bench-results.json";
  CLI::App app("pdu2mqtt benchmarks: poll and command latency, scale, footprint");
  app.add_flag("--quick", s.quick, "Fewer samples, shorter windows (a few minutes in all)");
  app.add_option("--only", only, "Sections to run: poll,command,scale,footprint,web,bursts")
      ->capture_default_str();
  app.add_option("--scale", s.scale_pdus, "PDU counts for the scale section")->delimiter(',');
  app.add_option("--scale-seconds", s.scale_seconds, "Measured window per PDU count");
  app.add_option("--scale-varbinds", s.scale_varbinds,
                 "max_varbinds values for the scale section (10: 11 requests a poll)")
      ->delimiter(',');
  app.add_option("--json", json_path, "Where to write the figures")->capture_default_str();
  app.add_option("--bench-dir", s.bench_dir, "The bench/ folder (for pysnmp_poll.py)")->required();
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    s.polls = 200;
    s.slow_polls = 20;
    s.commands = 40;
    if (app.count("--scale") == 0) s.scale_pdus = {10, 100};
    if (app.count("--scale-seconds") == 0) s.scale_seconds = 15;
    if (app.count("--scale-varbinds") == 0) s.scale_varbinds = {10};
    s.footprint_seconds = 10;
  }

  const auto machine = machine_info();
  std::cout << fmt::format("pdu2mqtt benchmarks{} on {} ({} cores), {}, {}\n",
                           s.quick ? " (quick)" : "", machine["cpu"].get<std::string>(),
                           machine["cores"].get<unsigned>(), machine["kernel"].get<std::string>(),
                           machine["compiler"].get<std::string>());
  nlohmann::json results = {
      {"machine", machine}, {"quick", s.quick}, {"date", static_cast<long>(std::time(nullptr))}};
  const auto wanted = [&](const char* name) { return only.find(name) != std::string::npos; };
  int failed = 0;
  const auto section = [&](const char* name, nlohmann::json (*f)(const settings&)) {
    if (!wanted(name)) return;
    try {
      results[name] = f(s);
    } catch (const std::exception& e) {
      std::cout << "!! section " << name << " failed: " << e.what() << std::endl;
      results[name] = {{"error", e.what()}};
      ++failed;
    }
  };
  section("poll", poll_latency);
  section("command", command_latency);
  section("scale", scale);
  section("footprint", footprint);
  section("web", web_latency);
  section("bursts", bursts);
  std::ofstream(json_path) << results.dump(2) << "\n";
  std::cout << "\nfigures written to " << json_path << std::endl;
  return failed == 0 ? 0 : 1;
}
