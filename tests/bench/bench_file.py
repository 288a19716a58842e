#!/usr/bin/python3
"""Benchmark guest-file-write and guest-file-read in streamga against Debian's qemu-ga: MB/s and peak RSS.

Both agents are measured in the same run. First a sweep: every chunk size
(bytes per guest-file-write, count per guest-file-read) once per agent and
direction, on a smaller file, to find each agent's best chunk size. Then
--rounds interleaved rounds (AB, then BA) moving the whole file (256 MiB by
default) with each agent's own best chunk size; each figure is the median
over rounds, each ratio the median of the per-round ratios.

The traffic comes from filexfer.c (compiled here with cc), a tight C client
that decodes and checks every byte it reads, so the client is not what limits
the figures. Every run starts a fresh agent, so its VmHWM (peak RSS) belongs
to that transfer alone; a thread also samples VmRSS every 50 ms.

Run:  /usr/bin/python3 tests/bench/bench_file.py [--streamga build/src/streamga]
Prints the sweep and a table, and ends with one line of JSON (prefixed "BENCH_JSON ").
Exit status: 0 when every run worked (targets missed or not), 1 when an agent
failed, hung or moved wrong bytes, 2 on a usage problem.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile

from bench import (Agent, BenchError, alternate, build_c_client, cpu_seconds, paired_ratio,
                   proc_status_kib, run_client)
from bench import QEMU_GA, ROOT
from bench_exec import RssSampler

KIB = 1 << 10
MIB = 1 << 20

# The target streamga is held to: MB/s of each direction, each agent with its best chunk size.
TARGET_RATIO = 2.0

# Chunk sizes tried. A read may ask for up to 48 MiB (qemu-ga's limit); a write
# of 48 MiB is 64 MiB of base64, beyond both agents' 64 MiB JSON token limit,
# so writes stop at 32 MiB.
READ_CHUNKS = [64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB, 48 * MIB]
WRITE_CHUNKS = [64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB, 32 * MIB]
# Seconds a transfer may take per MB before the run counts as hung, on top of a base.
CLIENT_SECONDS_PER_MB = 1.0
CLIENT_SLACK_SECONDS = 60
# The source file and the blocks are made of this many pseudo-random bytes at a time.
FILL_PIECE = 16 * MIB


def random_file(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, FILL_PIECE)
            f.write(rng.randbytes(n))
            left -= n


def check_written(path, block_path, total):
    """The file a write run made is its block repeated, total bytes in all."""
    with open(block_path, "rb") as f:
        block = f.read()
    if os.path.getsize(path) != total:
        raise BenchError("%s has %d bytes, not %d" % (path, os.path.getsize(path), total))
    with open(path, "rb") as f:
        done = 0
        while done < total:
            piece = f.read(len(block))
            if piece != block[:len(piece)]:
                raise BenchError("%s differs from what was written at offset %d" % (path, done))
            done += len(piece)


def transfer(ag, client, direction, chunk, total, source):
    """One transfer through a fresh agent: its MB/s (10^6 bytes/s), VmHWM, the
    largest VmRSS sample, and CPU seconds per GiB."""
    proc = ag.spec(direction).start()
    ag.proc = proc
    proc.wait_listening()
    block = out = None
    if direction == "write":
        block = os.path.join(proc.workdir, "block")
        random_file(block, chunk, chunk)
        out = os.path.join(proc.workdir, "written")
        args = ["write", proc.socket_path, out, str(total), block]
    else:
        args = ["read", proc.socket_path, source, str(chunk)]
    sampler = RssSampler(proc.proc.pid)
    try:
        r = run_client(client, args, timeout=total / 1e6 * CLIENT_SECONDS_PER_MB
                       + CLIENT_SLACK_SECONDS)
    finally:
        rss_max = sampler.stop()
    pid = ag.pid()          # BenchError if it exited
    hwm = proc_status_kib(pid, "VmHWM")
    cpu = cpu_seconds(pid)
    ag.stop()               # BenchError unless it exits 0
    if r["bytes"] != total:
        raise BenchError("%s %s moved %d of %d bytes" % (ag.label, direction, r["bytes"], total))
    if direction == "write":
        check_written(out, block, total)
        os.unlink(out)
    return {"mbps": total / r["seconds"] / 1e6, "hwm_kib": hwm, "rss_max_kib": rss_max,
            "cpu_s_per_gib": cpu / (total / (1 << 30)), "requests": r["requests"]}


def bench(args, client, a, b, workroot):
    pair = (a, b)
    load_before = os.getloadavg()
    source = os.path.join(workroot, "source")
    random_file(source, args.total_mib * MIB, 1)
    sweep_source = os.path.join(workroot, "sweep-source")
    random_file(sweep_source, args.sweep_mib * MIB, 2)

    # 1. The sweep: each chunk size once per agent and direction.
    sweep = {}
    for direction, chunks in (("write", args.write_chunks), ("read", args.read_chunks)):
        for i, chunk in enumerate(chunks):
            for ag in alternate(pair, i):
                sweep[(ag.label, direction, chunk)] = transfer(
                    ag, client, direction, chunk, args.sweep_mib * MIB, sweep_source)
    best = {}
    for ag in pair:
        for direction, chunks in (("write", args.write_chunks), ("read", args.read_chunks)):
            best[(ag.label, direction)] = max(
                chunks, key=lambda c: sweep[(ag.label, direction, c)]["mbps"])

    # 2. The whole file with each agent's best chunk size, interleaved rounds.
    for i in range(args.rounds):
        for direction in ("write", "read"):
            for ag in alternate(pair, i):
                r = transfer(ag, client, direction, best[(ag.label, direction)],
                             args.total_mib * MIB, source)
                for key in ("mbps", "hwm_kib", "rss_max_kib", "cpu_s_per_gib"):
                    ag.add("%s_%s" % (direction, key), r[key])
    return sweep, best, load_before, os.getloadavg()


# ---- reporting -------------------------------------------------------------------------

# key, label, unit, format, which direction is better
FIGURES = [
    ("write_mbps", "guest-file-write TOTAL, best chunk", "MB/s", "%.1f", "higher"),
    ("read_mbps", "guest-file-read TOTAL, best chunk", "MB/s", "%.1f", "higher"),
    ("write_hwm_kib", "peak RSS (VmHWM) during the write", "KiB", "%.0f", "lower"),
    ("write_rss_max_kib", "  largest 50 ms VmRSS sample", "KiB", "%.0f", "lower"),
    ("read_hwm_kib", "peak RSS (VmHWM) during the read", "KiB", "%.0f", "lower"),
    ("read_rss_max_kib", "  largest 50 ms VmRSS sample", "KiB", "%.0f", "lower"),
    ("write_cpu_s_per_gib", "agent CPU per GiB written", "s", "%.2f", "lower"),
    ("read_cpu_s_per_gib", "agent CPU per GiB read", "s", "%.2f", "lower"),
]


def size_label(n):
    return "%d MiB" % (n // MIB) if n % MIB == 0 else "%d KiB" % (n // KIB)


def print_table(rows, head):
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, head))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(("%-*s" if i == 0 or i == len(head) - 1 else "%*s") % (w, c)
                        for i, (w, c) in enumerate(zip(widths, r))))
    print()


def summarize(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def report(args, a, b, sweep, best, load_before, load_after):
    out = {"streamga": {}, "qemu_ga": {}, "ratio": {}, "sweep": [], "best_chunk": {}}

    print("Sweep: %s per run, one run each, fresh agent per run" % size_label(args.sweep_mib * MIB))
    rows = []
    for direction, chunks in (("write", args.write_chunks), ("read", args.read_chunks)):
        for chunk in chunks:
            s, q = sweep[("streamga", direction, chunk)], sweep[("qemu-ga", direction, chunk)]
            rows.append(("%s %s" % (direction, size_label(chunk)), "%.1f" % s["mbps"],
                         "%.1f" % q["mbps"], "%.2fx" % (s["mbps"] / q["mbps"]),
                         "%d" % s["hwm_kib"], "%d" % q["hwm_kib"], ""))
            out["sweep"].append({"direction": direction, "chunk": chunk,
                                 "streamga": s, "qemu_ga": q})
    print_table(rows, ("chunk", "streamga MB/s", "qemu-ga MB/s", "ratio", "streamga HWM KiB",
                       "qemu-ga HWM KiB", ""))

    for ag, side in ((a, "streamga"), (b, "qemu_ga")):
        out["best_chunk"][side] = {d: best[(ag.label, d)] for d in ("write", "read")}
    print("Whole file: %s, %d interleaved rounds; best chunk: write streamga %s, qemu-ga %s; "
          "read streamga %s, qemu-ga %s" % (
              size_label(args.total_mib * MIB), args.rounds,
              size_label(best[("streamga", "write")]), size_label(best[("qemu-ga", "write")]),
              size_label(best[("streamga", "read")]), size_label(best[("qemu-ga", "read")])))
    rows = []
    for key, label, unit, fmt, better in FIGURES:
        sa, sb = summarize(a.samples[key]), summarize(b.samples[key])
        ratio = paired_ratio(a.samples[key], b.samples[key])
        out["streamga"][key], out["qemu_ga"][key], out["ratio"][key] = sa, sb, ratio
        cells = []
        for s in (sa, sb):
            spread = " ±%.0f%%" % ((s["max"] - s["min"]) / s["median"] * 50) if s["median"] else ""
            cells.append((fmt % s["median"]) + spread)
        rows.append((label.replace("TOTAL", size_label(args.total_mib * MIB)) + " [" + unit + "]",
                     cells[0], cells[1], "%.2fx" % ratio if ratio is not None else "-",
                     better + " is better"))
    print_table(rows, ("figure", "streamga", "qemu-ga", "streamga/qemu-ga", ""))

    targets = {}
    for direction in ("write", "read"):
        ratio = out["ratio"]["%s_mbps" % direction]
        targets["%s_rate" % direction] = {"ratio": ratio, "want": ">= %.1f" % TARGET_RATIO,
                                          "met": ratio >= TARGET_RATIO}
    out["targets"] = targets
    out["config"] = {"streamga": os.path.abspath(args.streamga), "qemu_ga": args.qemu_ga,
                     "rounds": args.rounds, "total_mib": args.total_mib,
                     "sweep_mib": args.sweep_mib, "read_chunks": args.read_chunks,
                     "write_chunks": args.write_chunks, "cpus": os.cpu_count(),
                     "loadavg_before": load_before, "loadavg_after": load_after}
    print("medians over rounds (± half the min-max spread); ratios are medians of per-round "
          "ratios; MB = 10^6 bytes.")
    print("%d CPUs; load average %.2f before, %.2f after" % (os.cpu_count(), load_before[0],
                                                             load_after[0]))
    for name, t in targets.items():
        print("target %-10s streamga/qemu-ga %.2f, want %s: %s" % (
            name, t["ratio"], t["want"], "met" if t["met"] else "MISSED"))
    print("BENCH_JSON " + json.dumps(out, sort_keys=True))


def chunk_list(text):
    out = []
    for item in text.split(","):
        item = item.strip().upper()
        unit = {"K": KIB, "M": MIB}.get(item[-1:], 1)
        out.append(int(item[:-1] if unit > 1 else item) * unit)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streamga", default=os.path.join(ROOT, "build", "src", "streamga"),
                    help="streamga binary (default: build/src/streamga)")
    ap.add_argument("--qemu-ga", default=QEMU_GA, help="qemu-ga binary (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds with the whole file (default 3)")
    ap.add_argument("--total-mib", type=int, default=256,
                    help="the file moved in each direction, MiB (default 256)")
    ap.add_argument("--sweep-mib", type=int, default=64,
                    help="the file moved per chunk size in the sweep, MiB (default 64)")
    ap.add_argument("--read-chunks", type=chunk_list, default=READ_CHUNKS,
                    help="read counts to try, e.g. 64K,1M,48M (default 64K..48M)")
    ap.add_argument("--write-chunks", type=chunk_list, default=WRITE_CHUNKS,
                    help="write sizes to try (default 64K..32M)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if args.rounds < 1 or args.total_mib < 1 or args.sweep_mib < 1:
        ap.error("rounds and sizes must be positive")
    if any(c < 1 or c > 48 * MIB for c in args.read_chunks):
        ap.error("read chunks must be 1 byte to 48 MiB")
    if any(c < 1 or c > 32 * MIB for c in args.write_chunks):
        ap.error("write chunks must be 1 byte to 32 MiB")
    for path in (args.streamga, args.qemu_ga):
        if not os.access(path, os.X_OK):
            ap.error("not an executable: %s" % path)

    workroot = tempfile.mkdtemp(prefix="streamga-bench-file-")
    a = Agent("streamga", args.streamga, workroot)
    b = Agent("qemu-ga", args.qemu_ga, workroot)
    try:
        client = build_c_client(workroot, "filexfer")
        sweep, best, load_before, load_after = bench(args, client, a, b, workroot)
        report(args, a, b, sweep, best, load_before, load_after)
        return 0
    except (BenchError, RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        for ag in (a, b):
            if ag.proc is not None and ag.proc.alive():
                ag.proc.stop()
        if args.keep:
            print("kept %s" % workroot, file=sys.stderr)
        else:
            shutil.rmtree(workroot, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
