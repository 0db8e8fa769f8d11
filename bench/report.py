#!/usr/bin/env python3
"""Turns the JSON lines of one bench/run.sh run into the markdown of docs/benchmarks.md.

usage: report.py RESULTS_DIR COMMAND  (RESULTS_DIR holds <scenario>-<server>.json files, or
<scenario>-<server>.r<N>.json for a scenario run in rounds: the round of median CPU-µs per delivery
stands for them, with every round's loss added up and every round's CPU-µs in its notes)
"""
import glob
import json
import os
import platform
import subprocess
import sys
import time

SCENARIOS = [
    ("a", "(a) 200 users × 3 apps, 20,000 JSON events/s"),
    ("b", "(b) 200 users × 3 apps, 3,200-byte audio frames at 10/s per user"),
    ("c", "(c) saturation: 50 users × 2 apps, window {window}"),
    ("d", "(d) idle: {users} users × 1 app, nothing sent"),
]
SERVERS = [("glasshub", "glasshub"), ("bun", "Bun"), ("ws", "Node ws"), ("floor", "floor")]
# The targets of issue 8, as ratios glasshub ÷ Bun: (scenario, metric, label, bound, lower_is_better).
# The floor's ratio stands beside each for scale; it is not judged.
TARGETS = [
    ("a", "cpu", "(a) CPU-µs per delivery", 0.8, True),
    ("a", "p99", "(a) p99 latency, µs", 0.75, True),
    ("b", "cpu", "(b) CPU-µs per audio frame delivered", 0.8, True),
    ("c", "cpu", "(c) CPU-µs per delivery", 0.3, True),
    ("c", "rate", "(c) deliveries/s", 1.0, False),
    ("d", "rss", "(d) RSS per idle connection", 0.4, True),
]


def load_one(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def load(results, scenario, server):
    rounds = sorted(glob.glob(os.path.join(results, f"{scenario}-{server}.r*.json")))
    if not rounds:
        return load_one(os.path.join(results, f"{scenario}-{server}.json"))
    runs = [r for r in (load_one(p) for p in rounds) if r]
    if len(runs) < len(rounds):
        return None  # a round failed: show the scenario as failed rather than a partial median
    by_cpu = sorted(runs, key=lambda r: metric(r, "cpu") or 0.0)
    median = json.loads(json.dumps(by_cpu[len(by_cpu) // 2]))
    for key in ("lost", "duplicated"):
        median["deliveries"][key] = sum(r["deliveries"][key] for r in runs)
    cpus = ", ".join(f"{metric(r, 'cpu'):.2f}" for r in runs)
    median["bottleneck"]["notes"].insert(
        0, f"median of {len(runs)} rounds by CPU-µs ({cpus}), loss summed over all")
    return median


def metric(r, name):
    if not r:
        return None
    return {
        "rate": r["deliveries"]["per_s"],
        "cpu": r["server"]["cpu_us_per_delivery_schedstat"] or r["server"]["cpu_us_per_delivery"],
        "p50": r["latency_us"]["p50"],
        "p99": r["latency_us"]["p99"],
        "p999": r["latency_us"]["p999"],
        "rss": r["server"]["rss_per_connection_bytes"],
    }[name]


def lat(us):
    if us is None:
        return "n/a"
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def num(v, fmt="{:,.0f}"):
    return "n/a" if v is None else fmt.format(v)


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    return (f"{os.cpu_count()}× {model}, {mem_kib / 1048576:.0f} GiB, "
            f"`{' '.join(platform.uname()[i] for i in (0, 2, 4))}`")


def main():
    results, command = sys.argv[1], sys.argv[2]
    # The servers this run measured (run.sh passes them): a server left out is "not run", not failed.
    ran = sys.argv[3].split() if len(sys.argv) > 3 else [key for key, _ in SERVERS]
    scenarios = sys.argv[4].split() if len(sys.argv) > 4 else [sc for sc, _ in SCENARIOS]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!docs/benchmarks.md"],  # this page gains each run's table
                           capture_output=True, text=True).stdout.strip()
    versions = {}
    for key in ("bun", "node", "ws"):
        p = os.path.join(results, f"version-{key}.txt")
        if os.path.exists(p):
            versions[key] = open(p).read().strip()
    out = []
    out.append(f"### bench/run.sh, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
               f"commit {commit}{' + uncommitted changes' if dirty else ''}")
    out.append("")
    out.append(f"Machine: {machine()}. Servers pinned to CPU 0, load generator to CPU 1. "
               f"Bun {versions.get('bun', '?')}, Node {versions.get('node', '?')} with ws "
               f"{versions.get('ws', '?')}; glasshub and the floor (`bench/anchors/floor`) Release "
               f"(`build/bench`), glasshub's `server.threads` 1.")
    out.append("")
    out.append(f"Command (in /work/main): `{command}`")
    out.append("")
    out.append("| scenario | server | conns | deliveries/s | CPU-µs/delivery | p50 / p99 / p999 "
               "| lost / dup | RSS/conn | ÷ Bun: CPU-µs, p99, RSS | notes |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for sc, title in SCENARIOS:
        if sc not in scenarios:
            continue
        bun = load(results, sc, "bun")
        for key, name in SERVERS:
            r = load(results, sc, key)
            title = title.format(users=f"{r['config']['users']:,}" if r else "?",
                                 window=r["config"].get("window", "?") if r else "?")
            if not r:
                what = "run failed" if key in ran else "not run"
                out.append(f"| {title} | {name} | {what} | | | | | | | see {results} |")
                continue
            d = r["deliveries"]
            rat = "—"
            if key != "bun" and bun:
                rs = [ratio(metric(r, m), metric(bun, m)) for m in ("cpu", "p99", "rss")]
                rat = ", ".join("n/a" if x is None else f"{x:.2f}" for x in rs)
            # Each note up to its first colon: what happened, not the advice.
            notes = "; ".join(n.split(":")[0] for n in r["bottleneck"]["notes"])
            if r["errors"]:
                notes += (" errors: " + "; ".join(r["errors"][:2]))
            idle = r["config"]["mode"] == "idle"
            load1 = r["machine"]["load_1m_at_start"]
            if load1 is not None and load1 >= 1.0:
                notes = f"load {load1:.2f} at start" + ("; " + notes if notes else "")
            out.append(
                f"| {title} | {name} | {r['connections']['established']}/{r['connections']['attempted']} "
                f"| {'—' if idle else num(metric(r, 'rate'))} "
                f"| {'—' if idle else num(metric(r, 'cpu'), '{:.2f}')} "
                f"| {'—' if idle else lat(metric(r, 'p50')) + ' / ' + lat(metric(r, 'p99')) + ' / ' + lat(metric(r, 'p999'))} "
                f"| {d['lost']} / {d['duplicated']} | {num(metric(r, 'rss'))} B | {rat} | {notes.replace('|', '/')} |")
    out.append("")
    out.append("Targets of issue 8 (glasshub ÷ Bun, same run; the floor ÷ Bun beside it, not judged):")
    out.append("")
    out.append("| target | glasshub | Bun | ratio | bound | met | floor | floor ÷ Bun |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for sc, m, label, bound, lower in TARGETS:
        g, b = metric(load(results, sc, "glasshub"), m), metric(load(results, sc, "bun"), m)
        f = metric(load(results, sc, "floor"), m)
        x = ratio(g, b)
        met = "n/a" if x is None else ("yes" if (x <= bound if lower else x >= bound) else "**no**")
        fmt = "{:.2f}" if m == "cpu" else "{:,.0f}"
        out.append(f"| {label} | {num(g, fmt)} | {num(b, fmt)} | {num(x, '{:.2f}')} "
                   f"| {'≤' if lower else '≥'} {bound} | {met} | {num(f, fmt)} "
                   f"| {num(ratio(f, b), '{:.2f}')} |")
    lost = {sc: (load(results, sc, "glasshub") or {}).get("deliveries", {}).get("lost") for sc in "abc"}
    ran = [v for v in lost.values() if v is not None]
    met = "n/a" if not ran else ("yes" if all(v == 0 for v in ran) else "**no**")
    out.append(f"| zero lost in (a), (b), (c) | "
               f"{', '.join(f'{k}: ' + ('not run' if v is None else str(v)) for k, v in lost.items())} "
               f"| | | 0 | {met} | | |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
