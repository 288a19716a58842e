#!/usr/bin/python3
"""Benchmark streamga against Debian's qemu-ga in one run: ping rate, start-up, memory, CPU.

Both agents are measured in the same run and interleaved round by round (the
order alternates, AB then BA), so a busy machine slows both alike; each figure
is the median over rounds and each ratio is the median of the per-round ratios.
The guest-ping traffic comes from pingclient.c (compiled here with cc), a tight
C client, so the client is not what limits the rate.

The main rate figures run client and agent on one shared CPU. Left to the
scheduler, they often land on different CPUs, and then each round trip costs
two cross-CPU wake-ups that dominate (on this VM both agents drop to about
20k/s and the figure says more about the machine than the agent); on one CPU
the rate is set by what client and agent spend per request. The unpinned rate
is printed too, for reference.

Run:  /usr/bin/python3 tests/bench/bench.py [--streamga build/src/streamga]
Prints a table and ends with one line of JSON (prefixed "BENCH_JSON ").
Exit status: 0 when every run worked (targets missed or not), 1 when an agent
failed, hung or gave a wrong reply, 2 on a usage problem.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from agentproc import AgentProcess, QEMU_GA  # noqa: E402

# The targets streamga is held to (see README.md).
TARGET_PING_RATIO = 1.5         # streamga ping rate >= 1.5 x qemu-ga
TARGET_START_RATIO = 1.0        # start-to-first-reply <= qemu-ga
TARGET_RSS_RATIO = 1.0          # idle RSS <= qemu-ga

# Idle memory is read this long after the socket appears, once start-up work
# (and any lazy allocation) has settled.
SETTLE_SECONDS = 0.3
# Upper bound on any single pingclient run beyond its own duration.
CLIENT_SLACK_SECONDS = 30


class BenchError(Exception):
    pass


def build_c_client(tmpdir, name):
    """Compile tests/bench/NAME.c into tmpdir and return the program's path."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise BenchError("no C compiler (cc) found to build %s.c" % name)
    out = os.path.join(tmpdir, name)
    subprocess.run([cc, "-O2", "-std=c11", "-Wall", "-Wextra", "-o", out,
                    os.path.join(HERE, name + ".c")], check=True, timeout=120)
    return out


def build_pingclient(tmpdir):
    return build_c_client(tmpdir, "pingclient")


def run_client(client, args, timeout, env=None, cpus=None):
    """Run a C client (on the given CPUs) and return its JSON result; any failure is a
    BenchError."""
    name = os.path.basename(client)

    def pin():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
    try:
        p = subprocess.run([client, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, preexec_fn=pin)
    except subprocess.TimeoutExpired:
        raise BenchError("%s %s timed out" % (name, args[0]))
    if p.returncode != 0:
        raise BenchError("%s %s failed (%d): %s%s" % (
            name, args[0], p.returncode, p.stderr.decode(errors="replace"),
            p.stdout.decode(errors="replace")[:2000]))
    return json.loads(p.stdout)


# ---- /proc readings ------------------------------------------------------------------

def proc_status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchError("%s missing from /proc/%d/status" % (field, pid))


def cpu_seconds(pid):
    """CPU time the process has used so far, in seconds.

    schedstat counts nanoseconds; utime+stime in /proc/PID/stat only counts
    clock ticks (10 ms here), too coarse for a one-second run.
    """
    total = 0
    found = False
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
                found = True
        except (OSError, ValueError, IndexError):
            pass
    if found:
        return total / 1e9
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the agents ----------------------------------------------------------------------

class Agent:
    """One benchmarked agent kind: its binary, a long-running instance, its samples."""

    def __init__(self, label, binary, workroot):
        self.label = label
        self.binary = binary
        self.workroot = workroot
        self.samples = {}
        self.proc = None
        self.runs = 0

    def add(self, key, value):
        self.samples.setdefault(key, []).append(value)

    def workdir(self, name):
        self.runs += 1
        d = os.path.join(self.workroot, "%s-%s-%d" % (self.label, name, self.runs))
        os.makedirs(d)
        return d

    def spec(self, name):
        """An AgentProcess (not started): -m unix-listen -p DIR/sock -t DIR/state -f DIR/pid,
        QGA_CONF pointing to a file that does not exist."""
        return AgentProcess(self.binary, self.workdir(name), socket_name="sock")

    def start(self):
        self.proc = self.spec("serve").start()
        return self.proc

    def pid(self):
        if not self.proc.alive():
            raise BenchError("%s exited unexpectedly (status %s): %s" % (
                self.label, self.proc.proc.returncode, self.proc.stderr()))
        return self.proc.proc.pid

    def pin(self, cpus):
        """Run every thread of the agent on these CPUs."""
        pid = self.pid()
        for task in os.listdir("/proc/%d/task" % pid):
            try:
                os.sched_setaffinity(int(task), cpus)
            except ProcessLookupError:
                pass

    def stop(self):
        if self.proc is None:
            return
        was_alive = self.proc.alive()
        rc = self.proc.stop()
        if not was_alive or rc != 0:
            raise BenchError("%s ended with status %s: %s" % (self.label, rc, self.proc.stderr()))
        self.proc = None


def rate_run(agent, pingclient, depth, seconds, max_requests, cpus, cpu_key=None):
    """Replies per second; client and agent both run on cpus."""
    agent.pin(cpus)
    cpu0 = cpu_seconds(agent.pid())
    r = run_client(pingclient, ["rate", agent.proc.socket_path, str(depth), str(seconds),
                                str(max_requests)], timeout=seconds + CLIENT_SLACK_SECONDS,
                   cpus=cpus)
    cpu = cpu_seconds(agent.pid()) - cpu0
    if cpu_key:
        agent.add(cpu_key, cpu / r["replies"] * 10000 * 1000)
    return r["replies"] / r["elapsed"]


def start_run(agent, pingclient):
    spec = agent.spec("start")
    r = run_client(pingclient, ["start", spec.socket_path, "--", *spec.args],
                   timeout=CLIENT_SLACK_SECONDS, env=spec.env)
    agent.add("connect_ms", r["connect_s"] * 1000)
    agent.add("first_reply_ms", r["first_reply_s"] * 1000)


def instructions_per_ping(agent, pingclient, pings):
    """User-space instructions per guest-ping under callgrind: a figure load cannot move."""
    spec = agent.spec("callgrind")
    out = os.path.join(spec.workdir, "callgrind.out")
    spec.args = [shutil.which("valgrind"), "--tool=callgrind", "--callgrind-out-file=" + out,
                 *spec.args]
    agent.proc = spec.start()
    try:
        control = shutil.which("callgrind_control")
        pid = str(agent.pid())
        # Warm up first, so start-up and first-connection work are not counted.
        rate_run(agent, pingclient, 1, 600, 100, os.sched_getaffinity(0))
        subprocess.run([control, "-z", pid], check=True, capture_output=True, timeout=60)
        rate_run(agent, pingclient, 1, 600, pings, os.sched_getaffinity(0))
        subprocess.run([control, "-d", pid], check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                with open(out + ".1") as f:
                    for line in f:
                        if line.startswith("summary:"):
                            return int(line.split()[1]) / pings
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("callgrind wrote no dump for %s" % agent.label)
            time.sleep(0.1)
    finally:
        agent.stop()


def alternate(pair, i):
    """AB on even rounds, BA on odd ones."""
    return pair if i % 2 == 0 else pair[::-1]


def bench(args, pingclient, a, b):
    pair = (a, b)
    load_before = os.getloadavg()
    every_cpu = os.sched_getaffinity(0)
    one_cpu = {args.cpu if args.cpu is not None else max(every_cpu)}
    args.pinned_cpu = min(one_cpu)

    # Memory and CPU per 10,000 pings: fresh instances of both, side by side.
    for ag in pair:
        ag.start()
    time.sleep(SETTLE_SECONDS)
    for ag in pair:
        ag.add("rss_start_kib", proc_status_kib(ag.pid(), "VmRSS"))
        ag.add("rss_anon_start_kib", proc_status_kib(ag.pid(), "RssAnon"))
    for ag in alternate(pair, 0):
        rate_run(ag, pingclient, 1, 600, args.rss_pings, one_cpu,
                 cpu_key="cpu_ms_per_10k_dedicated")
    time.sleep(SETTLE_SECONDS)
    for ag in pair:
        ag.add("rss_after_pings_kib", proc_status_kib(ag.pid(), "VmRSS"))
        ag.add("hwm_after_pings_kib", proc_status_kib(ag.pid(), "VmHWM"))

    # Ping rates: R rounds, interleaved.
    for i in range(args.rounds):
        for ag in alternate(pair, i):
            ag.add("ping_per_s", rate_run(ag, pingclient, 1, args.seconds, args.max_requests,
                                          one_cpu, cpu_key="cpu_ms_per_10k"))
        for ag in alternate(pair, i + 1):
            ag.add("pipelined_per_s", rate_run(ag, pingclient, args.depth, args.seconds,
                                               args.max_requests, one_cpu))
        for ag in alternate(pair, i):
            ag.add("ping_unpinned_per_s", rate_run(ag, pingclient, 1, args.seconds,
                                                   args.max_requests, every_cpu))
    for ag in pair:
        ag.add("hwm_end_kib", proc_status_kib(ag.pid(), "VmHWM"))
        ag.add("rss_end_kib", proc_status_kib(ag.pid(), "VmRSS"))
        ag.stop()

    # Start to first reply: a fresh process per run, interleaved.
    for i in range(args.startup_runs):
        for ag in alternate(pair, i):
            start_run(ag, pingclient)

    if args.callgrind:
        for ag in pair:
            ag.add("instructions_per_ping", instructions_per_ping(ag, pingclient,
                                                                  args.callgrind_pings))

    return load_before, os.getloadavg()


# ---- reporting -------------------------------------------------------------------------

# key, label, unit, format, which direction is better
FIGURES = [
    ("ping_per_s", "guest-ping round trips (1 in flight)", "/s", "%.0f", "higher"),
    ("pipelined_per_s", "guest-ping pipelined (K in flight)", "/s", "%.0f", "higher"),
    ("ping_unpinned_per_s", "guest-ping round trips, unpinned", "/s", "%.0f", "higher"),
    ("first_reply_ms", "start to first reply", "ms", "%.2f", "lower"),
    ("connect_ms", "start to accepted connection", "ms", "%.2f", "lower"),
    ("rss_start_kib", "idle RSS after start", "KiB", "%.0f", "lower"),
    ("rss_anon_start_kib", "  of which anonymous (RssAnon)", "KiB", "%.0f", "lower"),
    ("rss_after_pings_kib", "RSS after N pings", "KiB", "%.0f", "lower"),
    ("hwm_after_pings_kib", "peak RSS (VmHWM) after N pings", "KiB", "%.0f", "lower"),
    ("hwm_end_kib", "peak RSS (VmHWM) at end", "KiB", "%.0f", "lower"),
    ("cpu_ms_per_10k", "CPU per 10,000 pings (rate runs)", "ms", "%.1f", "lower"),
    ("cpu_ms_per_10k_dedicated", "CPU per 10,000 pings (one run)", "ms", "%.1f", "lower"),
    ("instructions_per_ping", "user-space instructions per ping (callgrind)", "", "%.0f",
     "lower"),
]


def summarize(values):
    med = statistics.median(values)
    return {"median": med, "min": min(values), "max": max(values), "n": len(values),
            "spread_pct": (max(values) - min(values)) / med * 100 if med else 0.0}


def paired_ratio(xs, ys):
    """Median of round-by-round ratios: a slow moment hits both members of a pair."""
    ratios = [x / y for x, y in zip(xs, ys) if y]
    return statistics.median(ratios) if ratios else None


def report(args, a, b, load_before, load_after):
    out = {"streamga": {}, "qemu_ga": {}, "ratio": {}, "better": {}}
    rows = []
    for key, label, unit, fmt, better in FIGURES:
        if key not in a.samples or key not in b.samples:
            continue
        sa, sb = summarize(a.samples[key]), summarize(b.samples[key])
        ratio = paired_ratio(a.samples[key], b.samples[key])
        out["streamga"][key] = sa
        out["qemu_ga"][key] = sb
        out["ratio"][key] = ratio
        out["better"][key] = better
        label = label.replace("K in flight", "%d in flight" % args.depth)
        label = label.replace("N pings", "%d pings" % args.rss_pings)
        rows.append((label + (" [" + unit + "]" if unit else ""),
                     (fmt % sa["median"]) + " ±%.0f%%" % (sa["spread_pct"] / 2),
                     (fmt % sb["median"]) + " ±%.0f%%" % (sb["spread_pct"] / 2),
                     "%.2fx" % ratio if ratio is not None else "-",
                     better + " is better"))

    targets = {
        "ping_rate": {"ratio": out["ratio"]["ping_per_s"], "want": ">= %.1f" % TARGET_PING_RATIO,
                      "met": out["ratio"]["ping_per_s"] >= TARGET_PING_RATIO},
        "start_to_first_reply": {"ratio": out["ratio"]["first_reply_ms"],
                                 "want": "<= %.1f" % TARGET_START_RATIO,
                                 "met": out["ratio"]["first_reply_ms"] <= TARGET_START_RATIO},
        "idle_rss": {"ratio": out["ratio"]["rss_start_kib"], "want": "<= %.1f" % TARGET_RSS_RATIO,
                     "met": out["ratio"]["rss_start_kib"] <= TARGET_RSS_RATIO},
    }
    out["targets"] = targets
    out["config"] = {"streamga": os.path.abspath(args.streamga), "qemu_ga": args.qemu_ga,
                     "rounds": args.rounds, "seconds": args.seconds,
                     "max_requests": args.max_requests, "depth": args.depth,
                     "startup_runs": args.startup_runs, "rss_pings": args.rss_pings,
                     "cpus": os.cpu_count(), "pinned_cpu": args.pinned_cpu,
                     "loadavg_before": load_before,
                     "loadavg_after": load_after}

    head = ("figure", "streamga", "qemu-ga", "streamga/qemu-ga", "")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, head))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(("%-*s" if i == 0 or i == 4 else "%*s") % (w, c)
                        for i, (w, c) in enumerate(zip(widths, r))))
    print()
    print("medians; ± is half the min-max spread; ratios are medians of per-round ratios.")
    print("rounds %d x %.1f s per rate figure, %d start-up runs each; %d CPUs; load average "
          "%.2f before, %.2f after" % (args.rounds, args.seconds, args.startup_runs,
                                      os.cpu_count(), load_before[0], load_after[0]))
    for name, t in targets.items():
        print("target %-22s streamga/qemu-ga %.2f, want %s: %s" % (
            name, t["ratio"], t["want"], "met" if t["met"] else "MISSED"))
    print("BENCH_JSON " + json.dumps(out, sort_keys=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streamga", default=os.path.join(ROOT, "build", "src", "streamga"),
                    help="streamga binary (default: build/src/streamga)")
    ap.add_argument("--qemu-ga", default=QEMU_GA, help="qemu-ga binary (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rate rounds (default 5)")
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="length of one rate run in seconds (default 2)")
    ap.add_argument("--max-requests", type=int, default=10**9,
                    help="stop a rate run after this many replies (default: time only)")
    ap.add_argument("--depth", type=int, default=16,
                    help="requests in flight for the pipelined figure (default 16)")
    ap.add_argument("--startup-runs", type=int, default=21,
                    help="start-to-first-reply runs per agent (default 21)")
    ap.add_argument("--rss-pings", type=int, default=10000,
                    help="pings before the second memory reading (default 10000)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="CPU that client and agent share for the pinned figures "
                         "(default: the highest one this process may use)")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions per guest-ping under valgrind's callgrind")
    ap.add_argument("--callgrind-pings", type=int, default=2000,
                    help="pings counted under callgrind (default 2000)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if args.rounds < 1 or args.startup_runs < 1 or args.seconds <= 0 or args.rss_pings < 1 \
            or not 1 <= args.depth <= 4096 or args.max_requests < 1:
        ap.error("counts and durations must be positive; depth 1..4096")
    if args.callgrind and not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        ap.error("--callgrind needs valgrind (Debian package valgrind)")
    if args.cpu is not None and args.cpu not in os.sched_getaffinity(0):
        ap.error("CPU %d is not available to this process" % args.cpu)
    for path in (args.streamga, args.qemu_ga):
        if not os.access(path, os.X_OK):
            ap.error("not an executable: %s" % path)

    workroot = tempfile.mkdtemp(prefix="streamga-bench-")
    a = Agent("streamga", args.streamga, workroot)
    b = Agent("qemu-ga", args.qemu_ga, workroot)
    try:
        load_before, load_after = bench(args, build_pingclient(workroot), a, b)
        report(args, a, b, load_before, load_after)
        return 0
    except (BenchError, RuntimeError, OSError, subprocess.SubprocessError) as e:
        # RuntimeError: tests/lib/agentproc.py reports an agent that would not start.
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        for ag in (a, b):
            if ag.proc is not None:
                ag.proc.stop()
        if args.keep:
            print("kept %s" % workroot, file=sys.stderr)
        else:
            shutil.rmtree(workroot, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
