// glasshub-loadgen end to end: it starts its own host, plays 5 users x 2 apps at 500 events/s for
// 2 s, and every event reaches both apps of its user exactly once. The same runs against the floor
// anchor (bench/anchors/floor, tag [floor]) hold it to the protocol subset the benchmark needs.
#include "support/test_host.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace glasshub::test;

namespace {

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start + 1));
}

// A --spawn run of the load generator with `load` flags; its --json result.
struct LoadgenRun {
  ProcessResult process;
  nlohmann::json result;
};

// `server`: the flags that name the spawned server.
LoadgenRun run_loadgen(const std::vector<std::string>& server, const std::vector<std::string>& load) {
  std::vector<std::string> args{required_env("GLASSHUB_LOADGEN_BIN"), "--spawn"};
  args.insert(args.end(), server.begin(), server.end());
  for (const char* flag : {"--users", "5", "--apps", "2", "--json", "--label", "smoke"})
    args.emplace_back(flag);
  args.insert(args.end(), load.begin(), load.end());
  LoadgenRun run{run_process(args, std::chrono::seconds(30)), {}};
  run.result = nlohmann::json::parse(last_line(run.process.out), nullptr, false);
  return run;
}

// glasshub, with the plugins the set-up needs.
LoadgenRun run_glasshub(const std::vector<std::string>& load) {
  TempDir dir;
  const auto manifest = dir.write(
      "plugin-manifest.json",
      manifest_of({keepalive_entry(), test_plugin_entry("test_app_starter")}).dump());
  return run_loadgen({"--glasshub", glasshub_bin().string(), "--manifest", manifest.string()}, load);
}

LoadgenRun run_floor(const std::vector<std::string>& load) {
  return run_loadgen({"--server-cmd", required_env("GLASSHUB_FLOOR_BIN")}, load);
}

// Every event reached both apps of its user exactly once, and the run says so.
void check_every_delivery(const LoadgenRun& run) {
  INFO("stderr:\n" << run.process.err << "\nstdout:\n" << run.process.out);
  REQUIRE_FALSE(run.process.timed_out);
  REQUIRE_FALSE(run.result.is_discarded());
  const auto& result = run.result;
  CHECK(run.process.exit_code == 0);
  CHECK(result["ok"] == true);
  CHECK(result["connections"]["established"] == 15);
  CHECK(result["connections"]["users_ready"] == 5);

  const auto& d = result["deliveries"];
  CHECK(d["lost"] == 0);
  CHECK(d["duplicated"] == 0);
  CHECK(d["misrouted"] == 0);
  CHECK(d["malformed"] == 0);
  CHECK(d["expected"].get<uint64_t>() > 0);
  CHECK(d["received"] == d["expected"]);
  // Every event went to both apps; the rate itself is not asserted (sanitizers, busy machines).
  CHECK(d["expected"] == 2 * result["events"]["sent_total"].get<uint64_t>());
  CHECK(result["latency_us"]["count"].get<uint64_t>() > 0);
  CHECK(result["server"]["exit_status"] == 0);
}

}  // namespace

TEST_CASE("the load generator's smoke run loses and duplicates no delivery", "[bench]") {
  check_every_delivery(
      run_glasshub({"--rate", "500", "--warmup", "0.5", "--duration", "2", "--drain", "3"}));
}

TEST_CASE("a saturation run refills each window from its deliveries and loses none", "[bench]") {
  const auto run = run_glasshub(
      {"--rate", "0", "--window", "8", "--warmup", "0.5", "--duration", "1", "--drain", "3"});
  check_every_delivery(run);
  // More than the first windows (5 users x 8 events) were sent: deliveries refilled them.
  CHECK(run.result["events"]["sent_total"].get<uint64_t>() > 5 * 8 * 10);
}

TEST_CASE("the floor anchor relays every JSON event to both apps of its user", "[floor]") {
  check_every_delivery(
      run_floor({"--rate", "200", "--warmup", "0.5", "--duration", "1", "--drain", "3"}));
}

TEST_CASE("the floor anchor relays every audio frame to both apps of its user", "[floor]") {
  check_every_delivery(run_floor({"--rate", "200", "--audio-bytes", "3200", "--warmup", "0.5",
                                  "--duration", "1", "--drain", "3"}));
}

TEST_CASE("the floor anchor keeps up with a saturation run and loses nothing", "[floor]") {
  const auto run = run_floor(
      {"--rate", "0", "--window", "8", "--warmup", "0.5", "--duration", "1", "--drain", "3"});
  check_every_delivery(run);
  CHECK(run.result["events"]["sent_total"].get<uint64_t>() > 5 * 8 * 10);
}
