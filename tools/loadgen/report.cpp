#include "report.hpp"

#include <unistd.h>

#include <cstdio>

namespace glasshub::loadgen {

using nlohmann::ordered_json;

namespace {

double round_to(double value, double step) { return std::round(value / step) * step; }

ordered_json optional_number(const std::optional<double>& v, double step = 0.001) {
  return v ? ordered_json(round_to(*v, step)) : ordered_json(nullptr);
}

ordered_json optional_long(const std::optional<long>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

std::string fmt(const ordered_json& v, const char* format = "%.2f") {
  if (v.is_null()) return "n/a";
  if (v.is_number_integer() || v.is_number_unsigned()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v.get<double>());
    return buf;
  }
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

ordered_json make_result(const Options& o, const RunFacts& f) {
  const WorkerStats& t = f.totals;
  const double window_s = std::chrono::duration<double>(f.end.at - f.start.at).count();
  const bool idle = o.idle;  // scenario (d): nothing sent, only connections and RSS count
  const bool saturation = !idle && o.rate <= 0;
  const bool rate_mode = !idle && !saturation;

  const double events_per_s = window_s > 0 ? static_cast<double>(t.events_sent_measured) / window_s : 0;
  const double deliveries_per_s =
      window_s > 0 ? static_cast<double>(t.deliveries_in_window) / window_s : 0;
  const uint64_t lost = t.deliveries_expected - std::min(t.deliveries_expected, t.deliveries_received);

  std::optional<double> server_cpu, server_sched, server_wait, self_wait, server_util,
      us_per_delivery, us_sched;
  if (f.start.server_cpu_s && f.end.server_cpu_s) server_cpu = *f.end.server_cpu_s - *f.start.server_cpu_s;
  if (f.start.server_sched && f.end.server_sched) {
    server_sched = f.end.server_sched->on_cpu_s - f.start.server_sched->on_cpu_s;
    server_wait = f.end.server_sched->waiting_s - f.start.server_sched->waiting_s;
  }
  if (f.start.self_sched && f.end.self_sched)
    self_wait = f.end.self_sched->waiting_s - f.start.self_sched->waiting_s;
  const std::optional<double> best_cpu = server_sched ? server_sched : server_cpu;
  if (best_cpu && window_s > 0) server_util = *best_cpu / window_s;
  if (server_cpu && t.deliveries_in_window)
    us_per_delivery = *server_cpu * 1e6 / static_cast<double>(t.deliveries_in_window);
  if (server_sched && t.deliveries_in_window)
    us_sched = *server_sched * 1e6 / static_cast<double>(t.deliveries_in_window);

  std::optional<double> rss_per_conn;
  if (f.rss_before_kib && f.rss_connected_kib && f.connections_established > 0)
    rss_per_conn = static_cast<double>(*f.rss_connected_kib - *f.rss_before_kib) * 1024.0 /
                   f.connections_established;

  // Is the load generator the limit? Any of its threads near 100 %, a late pacer, or a rate that
  // was not reached say so.
  bool loadgen_bound = false;
  std::vector<std::string> notes;
  ordered_json thread_util = ordered_json::array();
  for (std::size_t i = 0; i < f.start.thread_cpu_s.size() && i < f.end.thread_cpu_s.size(); ++i) {
    const double util = window_s > 0 ? (f.end.thread_cpu_s[i] - f.start.thread_cpu_s[i]) / window_s : 0;
    thread_util.push_back(round_to(util, 0.001));
    if (util >= 0.90) {
      loadgen_bound = true;
      notes.push_back("loadgen thread " + std::to_string(i) + " was busy " +
                      percent(util) + " of the window: the load generator may be the bottleneck (--threads)");
    }
  }
  if (rate_mode && events_per_s < 0.95 * o.rate) {
    std::string why = "achieved " + std::to_string(static_cast<long>(events_per_s)) +
                      " events/s, more than 5% below the target " +
                      std::to_string(static_cast<long>(o.rate));
    if (t.pacer_shed > 0) {
      loadgen_bound = true;
      why += "; the loadgen's pacer fell behind and shed " + std::to_string(t.pacer_shed) +
             " events (loadgen-bound)";
    }
    if (t.skipped_backpressure > 0)
      why += "; " + std::to_string(t.skipped_backpressure) +
             " events skipped because phone sockets backed up (the host is not reading fast "
             "enough: host-bound)";
    notes.push_back(why);
  } else if (rate_mode && t.pacer_shed > 0) {
    notes.push_back("the pacer shed " + std::to_string(t.pacer_shed) +
                    " events while late (rate still within 5% of the target)");
  }
  if (rate_mode && events_per_s > 0 &&
      deliveries_per_s < 0.95 * events_per_s * static_cast<double>(o.apps))
    notes.push_back("the host delivered " + std::to_string(static_cast<long>(deliveries_per_s)) +
                    "/s of the " + std::to_string(static_cast<long>(events_per_s * o.apps)) +
                    "/s it was given: it is falling behind (host-bound)");
  const double server_cores = f.server_threads > 0 ? f.server_threads : 1;
  if (server_util && *server_util >= 0.90 * server_cores)
    notes.push_back("host CPU at " + percent(*server_util) + " of " + std::to_string(static_cast<int>(server_cores)) +
                    " core(s): the host is the bottleneck" +
                    (saturation ? " (as a saturation run intends)" : ""));
  else if (saturation && !loadgen_bound)
    notes.push_back("neither side reached 100% CPU: the window (--window) may be too small "
                    "to saturate the host");
  // Runnable but not running: other processes shared our CPUs, so the numbers are not clean.
  const auto waited = [&](const std::optional<double>& wait, const char* who) {
    if (!wait || window_s <= 0 || *wait / window_s < 0.05) return;
    notes.push_back(std::string(who) + " waited for a CPU " + percent(*wait / window_s) +
                    " of the window: the machine was loaded, the numbers are not clean");
  };
  std::optional<double> steal;
  if (f.start.steal_s && f.end.steal_s) steal = *f.end.steal_s - *f.start.steal_s;
  if (steal && window_s > 0 && *steal / window_s >= 0.02)
    notes.push_back("the hypervisor stole " + percent(*steal / window_s) +
                    " of a CPU during the window: the numbers are not clean");
  waited(server_wait, "the host");
  waited(self_wait, "the load generator");
  if (!server_cpu) notes.push_back("host CPU unknown (no --server-pid and no process found on the port)");
  if (!f.drained)
    notes.push_back("not every expected delivery arrived within --drain: the missing ones count "
                    "as lost (a longer --drain tells late from lost)");

  if (t.disconnects > 0)
    notes.push_back(std::to_string(t.disconnects) +
                    " user(s) lost a socket after set-up (see errors): their events stopped");
  const bool ok = lost == 0 && t.duplicates == 0 && t.misrouted == 0 && t.malformed == 0 &&
                  t.disconnects == 0 &&
                  f.users_failed == 0 && f.users_probed == f.users_ready &&
                  f.connections_established == f.connections_attempted;

  ordered_json errors = ordered_json::array();
  for (const auto& e : t.errors) errors.push_back(e);

  ordered_json r;
  r["tool"] = "glasshub-loadgen";
  r["label"] = o.label;
  r["command"] = f.command;
  r["config"] = {{"users", o.users}, {"apps", o.apps}, {"mode", idle ? "idle" : saturation ? "saturation" : "rate"},
                 {"rate", o.rate}, {"window", o.window}, {"warmup_s", o.warmup_s},
                 {"duration_s", o.duration_s}, {"threads", o.threads},
                 {"payload_bytes", o.payload_bytes}, {"audio_bytes", o.audio_bytes},
                 {"spawn", o.spawn}, {"pin", o.pin},
                 {"server_threads", f.server_threads > 0 ? ordered_json(f.server_threads) : ordered_json(nullptr)}};
  r["connections"] = {{"attempted", f.connections_attempted},
                      {"established", f.connections_established},
                      {"users_ready", f.users_ready},
                      {"users_failed", f.users_failed},
                      {"users_probed", f.users_probed}};
  r["window_s"] = round_to(window_s, 0.001);
  r["events"] = {{"sent_total", t.events_sent},
                 {"sent_window", t.events_sent_measured},
                 {"per_s", round_to(events_per_s, 0.1)},
                 {"target_per_s", rate_mode ? ordered_json(o.rate) : ordered_json(nullptr)}};
  r["deliveries"] = {{"expected", t.deliveries_expected}, {"received", t.deliveries_received},
                     {"lost", lost}, {"duplicated", t.duplicates}, {"reordered", t.reordered},
                     {"misrouted", t.misrouted}, {"malformed", t.malformed},
                     {"in_window", t.deliveries_in_window},
                     {"per_s", round_to(deliveries_per_s, 0.1)}};
  const auto us = [&](uint64_t ns) { return round_to(static_cast<double>(ns) / 1000.0, 0.1); };
  r["latency_us"] = {{"count", t.latency_ns.count()},
                     {"p50", us(t.latency_ns.percentile(50))},
                     {"p90", us(t.latency_ns.percentile(90))},
                     {"p99", us(t.latency_ns.percentile(99))},
                     {"p999", us(t.latency_ns.percentile(99.9))},
                     {"max", us(t.latency_ns.max())},
                     {"mean", round_to(t.latency_ns.mean() / 1000.0, 0.1)}};
  r["server"] = {{"pid", f.server_pid > 0 ? ordered_json(f.server_pid) : ordered_json(nullptr)},
                 {"cpu_s", optional_number(server_cpu)},
                 {"cpu_schedstat_s", optional_number(server_sched)},
                 {"cpu_util", optional_number(server_util)},
                 {"cpu_wait_s", optional_number(server_wait)},
                 {"cpu_us_per_delivery", optional_number(us_per_delivery)},
                 {"cpu_us_per_delivery_schedstat", optional_number(us_sched)},
                 {"rss_kib", {{"before", optional_long(f.rss_before_kib)},
                              {"connected", optional_long(f.rss_connected_kib)},
                              {"end", optional_long(f.rss_end_kib)}}},
                 {"rss_per_connection_bytes", optional_number(rss_per_conn, 1)},
                 {"exit_status", f.server_exit_status ? ordered_json(*f.server_exit_status)
                                                      : ordered_json(nullptr)}};
  r["loadgen"] = {{"cpu_s", round_to(f.end.self_cpu_s - f.start.self_cpu_s, 0.001)},
                  {"cpu_wait_s", optional_number(self_wait)},
                  {"thread_util", thread_util},
                  {"pacer_shed", t.pacer_shed},
                  {"skipped_backpressure", t.skipped_backpressure},
                  {"disconnects", t.disconnects}};
  r["machine"] = {{"cpus", ::sysconf(_SC_NPROCESSORS_ONLN)},
                  {"load_1m_at_start", optional_number(f.start.load_1m, 0.01)},
                  {"steal_s", optional_number(steal)}};
  r["bottleneck"] = {{"loadgen_bound", loadgen_bound}, {"notes", notes}};
  r["errors"] = errors;
  r["ok"] = ok;
  return r;
}

void print_table(std::ostream& out, const ordered_json& r) {
  const auto& c = r["config"];
  const auto row = [&](const std::string& name, const std::string& value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-30s ", name.c_str());
    out << buf << value << "\n";
  };
  out << "glasshub-loadgen: " << fmt(c["users"]) << " users x " << fmt(c["apps"]) << " apps, "
      << (c["mode"] == "rate"   ? fmt(c["rate"], "%.0f") + " events/s"
          : c["mode"] == "idle" ? std::string("idle")
                                : "saturation (window " + fmt(c["window"]) + " per user)")
      << ", " << fmt(r["window_s"], "%.3f") << " s measured\n";
  const auto& cn = r["connections"];
  row("connections", fmt(cn["established"]) + " / " + fmt(cn["attempted"]) + " (users ready " +
                         fmt(cn["users_ready"]) + ", failed " + fmt(cn["users_failed"]) + ")");
  const auto& e = r["events"];
  row("events sent (window / total)", fmt(e["sent_window"]) + " / " + fmt(e["sent_total"]));
  row("events/s", fmt(e["per_s"], "%.1f") +
                      (e["target_per_s"].is_null() ? "" : " (target " + fmt(e["target_per_s"], "%.0f") + ")"));
  const auto& d = r["deliveries"];
  row("deliveries expected / received", fmt(d["expected"]) + " / " + fmt(d["received"]));
  row("lost / duplicated / reordered", fmt(d["lost"]) + " / " + fmt(d["duplicated"]) + " / " +
                                            fmt(d["reordered"]));
  row("deliveries/s", fmt(d["per_s"], "%.1f"));
  const auto& l = r["latency_us"];
  row("latency us p50/p90/p99/p999", fmt(l["p50"], "%.1f") + " / " + fmt(l["p90"], "%.1f") + " / " +
                                          fmt(l["p99"], "%.1f") + " / " + fmt(l["p999"], "%.1f") +
                                          " (max " + fmt(l["max"], "%.1f") + ")");
  const auto& s = r["server"];
  row("server CPU s (util)", fmt(s["cpu_s"], "%.3f") + " (" + fmt(s["cpu_util"], "%.3f") +
                                 "; schedstat " + fmt(s["cpu_schedstat_s"], "%.3f") +
                                 " s; waited for CPU " + fmt(s["cpu_wait_s"], "%.3f") + " s)");
  row("server CPU-us per delivery", fmt(s["cpu_us_per_delivery"], "%.3f") + " (schedstat " +
                                        fmt(s["cpu_us_per_delivery_schedstat"], "%.3f") + ")");
  const auto& rss = s["rss_kib"];
  row("server RSS KiB before/conn/end", fmt(rss["before"]) + " / " + fmt(rss["connected"]) + " / " +
                                            fmt(rss["end"]));
  row("server RSS per connection", fmt(s["rss_per_connection_bytes"], "%.0f") + " bytes");
  const auto& g = r["loadgen"];
  std::string utils;
  for (const auto& u : g["thread_util"]) utils += (utils.empty() ? "" : ", ") + fmt(u, "%.3f");
  row("loadgen CPU s (thread util)", fmt(g["cpu_s"], "%.3f") + " (" + utils + ")");
  const auto& m = r["machine"];
  row("machine", fmt(m["cpus"]) + " CPUs, load " + fmt(m["load_1m_at_start"]) +
                     " at start, steal " + fmt(m["steal_s"], "%.3f") + " s in the window");
  row("loadgen bottleneck", fmt(r["bottleneck"]["loadgen_bound"]));
  for (const auto& n : r["bottleneck"]["notes"]) row("note", n.get<std::string>());
  for (const auto& n : r["errors"]) row("error", n.get<std::string>());
  row("result", r["ok"].get<bool>() ? "OK" : "FAILED (loss, duplicates, or failed or lost connections)");
}

}  // namespace glasshub::loadgen
