#!/usr/bin/python3
"""Benchmark guest-exec in streamga against Debian's qemu-ga: latency, output rate, delay, memory.

Both agents are measured in the same run, interleaved (AB, then BA), and each
figure is a median. The heavy polling comes from execclient.c (compiled here
with cc), a tight C client that decodes and checks every byte, so the client is
not what limits the figures; a plain Python client (json + base64) is measured
too, for reference.

Figures (see README.md): guest-exec /bin/true until a status says exited;
MB/s of a child's output delivered through status polling (qemu-ga keeps
16 MiB and delivers at exit); the delay from a child's write to the host
having it at a 10 ms poll interval; the agent's RSS while 1 GiB passes.

Run:  /usr/bin/python3 tests/bench/bench_exec.py [--streamga build/src/streamga]
Prints a table and ends with one line of JSON (prefixed "BENCH_JSON ").
Exit status: 0 when every run worked (targets missed or not), 1 when an agent
failed, hung or gave a wrong reply, 2 on a usage problem.
"""
import argparse
import base64
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench import (Agent, BenchError, alternate, build_c_client, cpu_seconds,
                   paired_ratio, proc_status_kib, run_client)
from bench import QEMU_GA, ROOT

MIB = 1 << 20

# The targets streamga is held to (see README.md).
TARGET_LATENCY_RATIO = 0.7      # exec /bin/true until exited: p50 <= 0.7 x qemu-ga
TARGET_OUTPUT_MBPS = 100.0      # 1 GiB of output through status polling: >= 100 MB/s
TARGET_RSS_KIB = 64 * 1024      # agent peak RSS while 1 GiB passes: <= 64 MiB

# qemu-ga 7.2 keeps this much of each stream (GUEST_EXEC_MAX_OUTPUT) and drops the rest.
QEMU_GA_OUTPUT_CAP = 16 * MIB
# Upper bound on any single client run beyond what its work should take.
CLIENT_SLACK_SECONDS = 60
# The agent's RSS is read this often while output flows.
RSS_INTERVAL = 0.05
# A Python-client reply slower than this means the agent hung.
PY_REPLY_TIMEOUT = 30.0


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# ---- the agent's memory while output flows --------------------------------------------

class RssSampler:
    """Reads the agent's VmRSS every RSS_INTERVAL in a thread; keeps the largest."""

    def __init__(self, pid):
        self.pid = pid
        self.max_kib = proc_status_kib(pid, "VmRSS")
        self.samples = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(RSS_INTERVAL):
            try:
                self.max_kib = max(self.max_kib, proc_status_kib(self.pid, "VmRSS"))
                self.samples += 1
            except (OSError, BenchError):
                return      # the agent is gone; the run itself reports that

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        return self.max_kib


# ---- a plain Python client, for reference ------------------------------------------------

class PyClient:
    """One request at a time with json and base64 from the standard library.

    Reads replies into a bytearray and searches only the new bytes for the
    newline, so a 22 MB reply costs what json and base64 cost, not quadratic
    buffer copies."""

    def __init__(self, proc):
        self.sock = proc.connect(PY_REPLY_TIMEOUT).sock
        self.buf = bytearray()
        self.scanned = 0

    def close(self):
        self.sock.close()

    def call(self, execute, arguments):
        self.sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode())
        deadline = time.monotonic() + PY_REPLY_TIMEOUT
        while True:
            i = self.buf.find(b"\n", self.scanned)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                self.scanned = 0
                break
            self.scanned = len(self.buf)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError("no reply to %s within %.0f s" % (execute, PY_REPLY_TIMEOUT))
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            if not chunk:
                raise BenchError("the agent closed the connection")
            self.buf += chunk
        reply = json.loads(line)
        if "return" not in reply:
            raise BenchError("%s: unexpected reply %.300r" % (execute, line))
        return reply["return"]


def py_latency(proc, runs):
    """Latencies (s) of guest-exec /bin/true until exited, with the Python client."""
    client = PyClient(proc)
    out = []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            pid = client.call("guest-exec", {"path": "/bin/true", "capture-output": True})["pid"]
            while True:
                st = client.call("guest-exec-status", {"pid": pid})
                if st["exited"]:
                    break
            out.append(time.perf_counter() - t0)
            if st.get("exitcode") != 0 or "out-data" in st or "err-data" in st:
                raise BenchError("/bin/true: unexpected final status %r" % st)
    finally:
        client.close()
    return out


def py_output(proc, nbytes):
    """Like `execclient output`, with the Python client: decode and check every chunk."""
    client = PyClient(proc)
    received = 0
    truncated = False
    try:
        t0 = time.perf_counter()
        pid = client.call("guest-exec", {"path": "head", "arg": ["-c", str(nbytes), "/dev/zero"],
                                         "capture-output": True})["pid"]
        while True:
            st = client.call("guest-exec-status", {"pid": pid})
            if "out-data" in st:
                data = base64.b64decode(st["out-data"])
                if data.strip(b"\0"):
                    raise BenchError("output byte other than 0")
                received += len(data)
            truncated |= st.get("out-truncated", False)
            if st["exited"]:
                break
        elapsed = time.perf_counter() - t0
    finally:
        client.close()
    if st.get("exitcode") != 0:
        raise BenchError("head: unexpected final status %r" % {k: v for k, v in st.items()
                                                              if k != "out-data"})
    return {"bytes": received, "elapsed_s": elapsed, "truncated": truncated}


# ---- the figures ---------------------------------------------------------------------

def fresh_output_run(ag, client, nbytes, use_python=False):
    """One output run in a fresh agent (so VmHWM belongs to this run): MB/s, and the
    agent's peak RSS sampled every RSS_INTERVAL and its VmHWM at the end."""
    proc = ag.spec("out").start()
    try:
        proc.wait_listening()
        sampler = RssSampler(proc.proc.pid)
        try:
            if use_python:
                r = py_output(proc, nbytes)
            else:
                r = run_client(client, ["output", proc.socket_path, str(nbytes)],
                               timeout=nbytes / 1e6 + CLIENT_SLACK_SECONDS)
        finally:
            rss_max = sampler.stop()
        if not proc.alive():
            raise BenchError("%s exited during the output run: %s" % (ag.label, proc.stderr()))
        hwm = proc_status_kib(proc.proc.pid, "VmHWM")
        cpu = cpu_seconds(proc.proc.pid)
    finally:
        was_alive = proc.alive()
        rc = proc.stop()
    if not was_alive or rc != 0:
        raise BenchError("%s ended with status %s: %s" % (ag.label, rc, proc.stderr()))
    r["rss_max_kib"] = rss_max
    r["hwm_kib"] = hwm
    r["cpu_s_per_gib"] = cpu / (r["bytes"] / (1 << 30)) if r["bytes"] else float("nan")
    r["mbps"] = r["bytes"] / r["elapsed_s"] / 1e6
    return r


def check_output(ag, r, nbytes):
    """Every byte, nothing truncated; qemu-ga: its 16 MiB, marked truncated beyond."""
    if ag.label == "qemu-ga":
        want = min(nbytes, QEMU_GA_OUTPUT_CAP)
        ok = r["bytes"] == want and r["truncated"] == (nbytes > QEMU_GA_OUTPUT_CAP)
    else:
        ok = r["bytes"] == nbytes and not r["truncated"]
    if not ok:
        raise BenchError("%s: %d of %d bytes delivered, truncated %s" % (
            ag.label, r["bytes"], nbytes, r["truncated"]))


def output_runs(args, client, pair, i):
    """One round of output figures, fresh agents, interleaved."""
    for ag in alternate(pair, i):
        sizes = [(16 * MIB, "16m", False), (16 * MIB, "16m_py", True)]
        if ag.label == "streamga":
            sizes += [(args.big_mib * MIB, "big", False), (args.mid_mib * MIB, "mid", False),
                      (args.mid_mib * MIB, "mid_py", True)]
        else:
            sizes += [(args.qemu_over_mib * MIB, "over", False)]
        for nbytes, key, use_python in sizes:
            r = fresh_output_run(ag, client, nbytes, use_python)
            check_output(ag, r, nbytes)
            ag.add("out_mbps_" + key, r["mbps"])
            ag.add("out_hwm_kib_" + key, r["hwm_kib"])
            ag.add("out_rss_max_kib_" + key, r["rss_max_kib"])
            ag.add("out_cpu_s_per_gib_" + key, r["cpu_s_per_gib"])
            if key == "over":
                ag.add("over_bytes", r["bytes"])
                ag.add("over_truncated", 1 if r["truncated"] else 0)


def bench(args, client, a, b):
    pair = (a, b)
    load_before = os.getloadavg()
    every_cpu = os.sched_getaffinity(0)
    one_cpu = {args.cpu if args.cpu is not None else max(every_cpu)}
    args.pinned_cpu = min(one_cpu)
    ticker = client     # execclient is also the child that writes timestamps

    for ag in pair:
        ag.start()
        ag.proc.wait_listening()

    # 1. guest-exec /bin/true until exited: blocks of runs, interleaved; both
    #    clients unpinned (the child needs a CPU of its own to run on).
    per_block = max(1, args.latency_runs // args.latency_blocks)
    for i in range(args.latency_blocks):
        for ag in alternate(pair, i):
            r = run_client(client, ["latency", ag.proc.socket_path, str(per_block)],
                           timeout=per_block + CLIENT_SLACK_SECONDS)
            lat = [ns / 1e6 for ns in r["latency_ns"]]
            ag.samples.setdefault("exec_latency_ms", []).extend(lat)
            ag.samples.setdefault("exec_reply_ms", []).extend(ns / 1e6 for ns in r["exec_reply_ns"])
            ag.add("exec_latency_block_p50_ms", statistics.median(lat))
            ag.add("polls_per_exec", r["status_polls"] / per_block)
    py_block = max(1, args.py_latency_runs // args.latency_blocks)
    for i in range(args.latency_blocks):
        for ag in alternate(pair, i + 1):
            lat = [s * 1000 for s in py_latency(ag.proc, py_block)]
            ag.samples.setdefault("exec_latency_py_ms", []).extend(lat)
            ag.add("exec_latency_py_block_p50_ms", statistics.median(lat))

    # 3. Delay from a child's write to the host having it, polling every interval.
    for i in range(args.rounds):
        for ag in alternate(pair, i):
            r = run_client(client, ["delay", ag.proc.socket_path, ticker, str(args.tick_ms),
                                    str(args.delay_seconds), str(args.poll_ms)],
                           timeout=args.delay_seconds + CLIENT_SLACK_SECONDS)
            expected = args.delay_seconds * 1000 / args.tick_ms
            if not 0.8 * expected <= r["lines"] <= 1.2 * expected + 1:
                raise BenchError("%s: %d ticker lines, expected about %.0f" % (
                    ag.label, r["lines"], expected))
            ag.samples.setdefault("delay_ms", []).extend(ns / 1e6 for ns in r["delay_ns"])
            ag.add("delay_runtime_s", r["runtime_s"])

    # Status round trips while a program runs: client and agent on one CPU, as
    # bench.py's rate figures (a cheaper status means more of them).
    for i in range(args.rounds):
        for ag in alternate(pair, i):
            ag.pin(one_cpu)
            r = run_client(client, ["polls", ag.proc.socket_path, "1"],
                           timeout=1 + CLIENT_SLACK_SECONDS, cpus=one_cpu)
            ag.pin(every_cpu)
            ag.add("status_per_s", r["status_polls"] / r["elapsed_s"])
    for ag in pair:
        ag.stop()

    # 2 and 4. Output through status polling, fresh agents, with their memory.
    for i in range(args.rounds):
        output_runs(args, client, pair, i)

    return load_before, os.getloadavg()


# ---- reporting -------------------------------------------------------------------------

# key, label, unit, format, better, kind: "rounds" (one value per round, ± is the
# spread), "pooled" (every run, p50 and p90/p99 shown)
FIGURES = [
    ("exec_latency_ms", "exec /bin/true until exited, p50", "ms", "%.3f", "lower", "pooled"),
    ("exec_latency_ms@90", "  p90", "ms", "%.3f", "lower", "pooled"),
    ("exec_reply_ms", "  of which until the guest-exec reply, p50", "ms", "%.3f", "lower",
     "pooled"),
    ("polls_per_exec", "  status polls per exec", "", "%.1f", "", "rounds"),
    ("exec_latency_py_ms", "exec /bin/true until exited, Python client, p50", "ms", "%.3f",
     "lower", "pooled"),
    ("status_per_s", "status round trips while a program runs (1 CPU)", "/s", "%.0f", "higher",
     "rounds"),
    ("out_mbps_16m", "output 16 MiB, C client", "MB/s", "%.1f", "higher", "rounds"),
    ("out_mbps_16m_py", "output 16 MiB, Python client", "MB/s", "%.1f", "higher", "rounds"),
    ("out_mbps_mid", "output MID, C client", "MB/s", "%.1f", "higher", "rounds"),
    ("out_mbps_mid_py", "output MID, Python client", "MB/s", "%.1f", "higher", "rounds"),
    ("out_mbps_big", "output BIG, C client", "MB/s", "%.1f", "higher", "rounds"),
    ("out_mbps_over", "output OVER (qemu-ga keeps 16 MiB), C client", "MB/s", "%.1f", "higher",
     "rounds"),
    ("out_cpu_s_per_gib_16m", "agent CPU per GiB delivered, 16 MiB run", "s", "%.2f", "lower",
     "rounds"),
    ("out_cpu_s_per_gib_big", "agent CPU per GiB delivered, BIG run", "s", "%.2f", "lower",
     "rounds"),
    ("delay_ms", "write-to-host delay, poll every POLL ms, p50", "ms", "%.1f", "lower", "pooled"),
    ("delay_ms@99", "  p99", "ms", "%.1f", "lower", "pooled"),
    ("delay_runtime_s", "  the ticker's runtime", "s", "%.2f", "", "rounds"),
    ("out_hwm_kib_16m", "agent peak RSS (VmHWM), 16 MiB run", "KiB", "%.0f", "lower", "rounds"),
    ("out_hwm_kib_mid", "agent peak RSS (VmHWM), MID run", "KiB", "%.0f", "lower", "rounds"),
    ("out_rss_max_kib_big", "agent RSS, max of 50 ms samples, BIG run", "KiB", "%.0f", "lower",
     "rounds"),
    ("out_hwm_kib_big", "agent peak RSS (VmHWM), BIG run", "KiB", "%.0f", "lower", "rounds"),
    ("out_hwm_kib_over", "agent peak RSS (VmHWM), OVER run", "KiB", "%.0f", "lower", "rounds"),
]


def summarize(values, kind):
    s = {"median": statistics.median(values), "min": min(values), "max": max(values),
         "n": len(values)}
    if kind == "pooled":
        s["p90"] = percentile(values, 90)
        s["p99"] = percentile(values, 99)
    return s


def figure_value(summary, key):
    if "@" in key:
        return summary["p" + key.split("@")[1]]
    return summary["median"]


def report(args, a, b, load_before, load_after):
    out = {"streamga": {}, "qemu_ga": {}, "ratio": {}}
    rows = []
    for key, label, unit, fmt, better, kind in FIGURES:
        base = key.split("@")[0]
        cells = []
        summaries = []
        for ag, side in ((a, "streamga"), (b, "qemu_ga")):
            if base not in ag.samples:
                cells.append("-")
                summaries.append(None)
                continue
            s = out[side].get(base) or summarize(ag.samples[base], kind)
            out[side][base] = s
            summaries.append(s)
            spread = ""
            if kind == "rounds" and s["n"] > 1 and s["median"]:
                spread = " ±%.0f%%" % ((s["max"] - s["min"]) / s["median"] * 50)
            cells.append((fmt % figure_value(s, key)) + spread)
        ratio = None
        if all(summaries):
            if base == "exec_latency_ms" and "@" not in key:
                # paired: the median of per-block ratios, as bench.py does per round
                ratio = paired_ratio(a.samples["exec_latency_block_p50_ms"],
                                     b.samples["exec_latency_block_p50_ms"])
            elif not better:
                pass        # a count or a duration for context, not a comparison
            elif kind == "rounds":
                ratio = paired_ratio(a.samples[base], b.samples[base])
            elif figure_value(summaries[1], key):
                ratio = figure_value(summaries[0], key) / figure_value(summaries[1], key)
            out["ratio"][key] = ratio
        label = (label.replace("MID", "%d MiB" % args.mid_mib)
                 .replace("BIG", "%d MiB" % args.big_mib if args.big_mib % 1024
                          else "%d GiB" % (args.big_mib // 1024))
                 .replace("OVER", "%d MiB" % args.qemu_over_mib)
                 .replace("POLL", "%d" % args.poll_ms))
        rows.append((label + (" [" + unit + "]" if unit else ""), cells[0], cells[1],
                     "%.2fx" % ratio if ratio is not None else "-",
                     better + " is better" if better else ""))

    sg = out["streamga"]
    lat_ratio = out["ratio"]["exec_latency_ms"]
    big_mbps = sg["out_mbps_big"]["median"]
    big_hwm = max(sg["out_hwm_kib_big"]["max"], sg["out_rss_max_kib_big"]["max"])
    targets = {
        "exec_latency": {"value": lat_ratio, "want": "streamga/qemu-ga p50 <= %.1f"
                         % TARGET_LATENCY_RATIO, "met": lat_ratio <= TARGET_LATENCY_RATIO},
        "output_rate": {"value": big_mbps, "want": "%d MiB at >= %.0f MB/s (C client)"
                        % (args.big_mib, TARGET_OUTPUT_MBPS), "met": big_mbps >= TARGET_OUTPUT_MBPS},
        "output_rss": {"value": big_hwm, "want": "peak RSS <= %d KiB while %d MiB passes"
                       % (TARGET_RSS_KIB, args.big_mib), "met": big_hwm <= TARGET_RSS_KIB},
    }
    out["targets"] = targets
    over_truncated = b.samples.get("over_truncated", [])
    out["qemu_ga_truncation"] = {"requested": args.qemu_over_mib * MIB,
                                 "received": b.samples.get("over_bytes", []),
                                 "truncated": [bool(t) for t in over_truncated]}
    out["config"] = {"streamga": os.path.abspath(args.streamga), "qemu_ga": args.qemu_ga,
                     "rounds": args.rounds, "latency_runs": args.latency_runs,
                     "latency_blocks": args.latency_blocks,
                     "py_latency_runs": args.py_latency_runs, "big_mib": args.big_mib,
                     "mid_mib": args.mid_mib, "qemu_over_mib": args.qemu_over_mib,
                     "tick_ms": args.tick_ms, "poll_ms": args.poll_ms,
                     "delay_seconds": args.delay_seconds, "cpus": os.cpu_count(),
                     "pinned_cpu": args.pinned_cpu, "loadavg_before": load_before,
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
    print("medians over rounds (± half the min-max spread) or over every run (p50/p90/p99);")
    print("latency ratio: median of per-block ratios; C client unless noted.")
    print("%d rounds, %d latency runs per agent in %d blocks; %d CPUs; load average %.2f before, "
          "%.2f after" % (args.rounds, args.latency_runs, args.latency_blocks, os.cpu_count(),
                          load_before[0], load_after[0]))
    print("qemu-ga with %d MiB of output: received %s bytes, truncated %s" % (
        args.qemu_over_mib, "/".join(str(n) for n in b.samples.get("over_bytes", [])),
        "/".join("yes" if t else "no" for t in over_truncated)))
    for name, t in targets.items():
        print("target %-13s %-48s %10.2f: %s" % (name, t["want"], t["value"],
                                                  "met" if t["met"] else "MISSED"))
    print("BENCH_JSON " + json.dumps(out, sort_keys=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streamga", default=os.path.join(ROOT, "build", "src", "streamga"),
                    help="streamga binary (default: build/src/streamga)")
    ap.add_argument("--qemu-ga", default=QEMU_GA, help="qemu-ga binary (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of the output, delay and status-rate figures "
                         "(default 3)")
    ap.add_argument("--latency-runs", type=int, default=200,
                    help="exec latency runs per agent, C client (default 200)")
    ap.add_argument("--latency-blocks", type=int, default=10,
                    help="interleaved blocks the latency runs are split into (default 10)")
    ap.add_argument("--py-latency-runs", type=int, default=100,
                    help="exec latency runs per agent, Python client (default 100)")
    ap.add_argument("--big-mib", type=int, default=1024,
                    help="streamga's big output run in MiB (default 1024)")
    ap.add_argument("--mid-mib", type=int, default=256,
                    help="streamga's middle output run in MiB (default 256)")
    ap.add_argument("--qemu-over-mib", type=int, default=32,
                    help="qemu-ga's run beyond its 16 MiB cap, in MiB (default 32)")
    ap.add_argument("--delay-seconds", type=float, default=4.0,
                    help="how long the timestamp writer runs (default 4)")
    ap.add_argument("--tick-ms", type=int, default=37,
                    help="the timestamp writer's period in ms (default 37)")
    ap.add_argument("--poll-ms", type=int, default=10,
                    help="the host's status interval for the delay figure (default 10)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="CPU that client and agent share for the status-rate figure "
                         "(default: the highest one this process may use)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if min(args.rounds, args.latency_runs, args.latency_blocks, args.py_latency_runs,
           args.big_mib, args.mid_mib, args.tick_ms, args.poll_ms) < 1 \
            or args.delay_seconds <= 0 or args.qemu_over_mib <= 16:
        ap.error("counts and durations must be positive; --qemu-over-mib above 16")
    if args.cpu is not None and args.cpu not in os.sched_getaffinity(0):
        ap.error("CPU %d is not available to this process" % args.cpu)
    for path in (args.streamga, args.qemu_ga):
        if not os.access(path, os.X_OK):
            ap.error("not an executable: %s" % path)

    workroot = tempfile.mkdtemp(prefix="streamga-bench-exec-")
    # The agents run the ticker from here: let any user read and run it.
    os.chmod(workroot, 0o755)
    a = Agent("streamga", args.streamga, workroot)
    b = Agent("qemu-ga", args.qemu_ga, workroot)
    try:
        load_before, load_after = bench(args, build_c_client(workroot, "execclient"), a, b)
        report(args, a, b, load_before, load_after)
        return 0
    except (BenchError, RuntimeError, OSError, ValueError, KeyError,
            subprocess.SubprocessError) as e:
        # RuntimeError: tests/lib/agentproc.py reports an agent that would not start.
        print("bench_exec: %s: %s" % (type(e).__name__, e), file=sys.stderr)
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
