"""Process hygiene of guest-exec: many children at once, no zombies or leaked fds, a clean child environment, bounded uncollected statuses."""
import re
import resource
import signal
import sys
import time

from execclient import KEEP_STDIN, AgentError, ExecClient, ExecResult, children_of
from procinfo import fd_targets, open_fd_count, wait_for

PY = sys.executable
# Ended processes whose final status nobody collected that the agent keeps (docs/exec.md).
MAX_FINISHED = 1024
FINISHED_BYTES = 64 << 20


def collect_all(ex, pids, timeout=60):
    """Final ExecResults of all pids, polling each in turn until it exits."""
    results = {pid: ExecResult(pid) for pid in pids}
    pending = list(pids)
    deadline = time.monotonic() + timeout
    while pending:
        still = []
        for pid in pending:
            if not ex.poll_once(results[pid])["exited"]:
                still.append(pid)
        pending = still
        if pending:
            assert time.monotonic() < deadline, "%d processes not exited" % len(pending)
            time.sleep(0.01)
    return results


def test_200_concurrent_execs(exec_agent, ex, tmp_path):
    go = tmp_path / "go"
    # Each waits for the go file, so all 200 are provably alive at once.
    script = 'while [ ! -e "$1" ]; do sleep 0.05; done; echo "$0"'
    pids = ex.start_many([dict(path="sh", arg=["-c", script, str(i), str(go)]) for i in range(200)])
    assert len(set(pids)) == 200
    agent_pid = exec_agent.proc.pid
    wait_for(lambda: set(pids) <= set(children_of(agent_pid)), 10, what="200 children")
    go.touch()
    results = collect_all(ex, pids)
    for i, pid in enumerate(pids):
        assert results[pid].out == b"%d\n" % i
        assert results[pid].final["exitcode"] == 0
    assert children_of(agent_pid) == []


def test_5000_execs_leave_no_zombies_or_fds(exec_agent_factory):
    # Lean: ASan's quarantine would grow the agent to hundreds of MiB here, and
    # every fork copies its page tables (twice the run time). Other tests keep it on.
    agent = exec_agent_factory(lean=True)
    with agent.connect() as conn:
        check_5000_execs(agent.proc.pid, ExecClient(conn))


def check_5000_execs(agent_pid, ex):
    # Warm up: whatever the first exec opens for good (syslog's socket) is not a leak.
    assert ex.run("true").exitcode == 0
    fds_before = sorted(fd_targets(agent_pid))
    done = 0
    batch = 250
    while done < 5000:
        numbers = range(done, done + batch)
        args = []
        for i in numbers:
            # Every capture mode, stdin and no stdin: every kind of pipe is made and closed.
            kind = i % 4
            if kind == 0:
                args.append(dict(path="echo", arg=[str(i)]))
            elif kind == 1:
                args.append(dict(path="cat", input_data=b"%d\n" % i))
            elif kind == 2:
                args.append(dict(path="sh", arg=["-c", 'echo "$0" >&2', str(i)], capture="merged"))
            else:
                args.append(dict(path="sh", arg=["-c", "exit $(( $0 % 256 ))", str(i)],
                                 capture=False))
        pids = ex.start_many(args)
        results = collect_all(ex, pids)
        for i, pid in zip(numbers, pids):
            r = results[pid]
            if i % 4 == 3:
                assert r.final == {"exited": True, "exitcode": i % 256}
            else:
                assert r.out == b"%d\n" % i and r.exitcode == 0
        done += batch
    # Every status was collected: no child left, not even a zombie, and no descriptor.
    assert children_of(agent_pid) == []
    assert sorted(fd_targets(agent_pid)) == fds_before


# Starts the agent (argv[1:]) with signals ignored and blocked that it has no use
# for: it inherits both, so its children show them unless it resets them.
LAUNCH_WITH_SIGNALS = """
import os, signal, sys
for sig in (signal.SIGUSR2, signal.SIGALRM, signal.SIGXFSZ, signal.SIGTTOU):
    signal.signal(sig, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGWINCH, signal.SIGURG, signal.SIGPROF})
os.execv(sys.argv[1], sys.argv[1:])
"""


def signal_sets(status_text):
    """SigBlk and SigIgn of a /proc/PID/status text, as sets of signal numbers."""
    fields = dict(line.split(":\t", 1) for line in status_text.splitlines() if ":\t" in line)
    sets = []
    for name in ("SigBlk", "SigIgn"):
        mask = int(fields[name], 16)
        sets.append({sig for sig in range(1, 65) if mask & (1 << (sig - 1))})
    return sets


def test_child_signal_state(exec_agent_factory):
    agent = exec_agent_factory()
    agent.stop()
    agent.args = [PY, "-c", LAUNCH_WITH_SIGNALS] + agent.args
    agent.start()
    with open("/proc/%d/status" % agent.proc.pid) as f:
        agent_blocked, agent_ignored = signal_sets(f.read())
    # The agent carries them (and ignores SIGPIPE itself)...
    inherited = {signal.SIGUSR2, signal.SIGALRM, signal.SIGXFSZ, signal.SIGTTOU}
    assert inherited | {signal.SIGPIPE} <= agent_ignored
    assert {signal.SIGWINCH, signal.SIGURG, signal.SIGPROF} <= agent_blocked
    # ...and a child it starts has none: an empty mask, every signal at its default.
    with agent.connect() as conn:
        status = ExecClient(conn).run("cat", ["/proc/self/status"]).out.decode()
    blocked, ignored = signal_sets(status)
    assert blocked == set(), "signals blocked in the child: %s" % sorted(blocked)
    # Including 32 and 33, glibc's internal signals, which glibc's posix_spawn
    # leaves ignored in the child (qemu-ga's children have none ignored).
    assert ignored == set(), "signals ignored in the child: %s" % sorted(ignored)


def test_child_has_its_own_process_group(ex):
    r = ex.run(PY, ["-c", "import os; print(os.getpid(), os.getpgrp())"])
    pid, pgid = map(int, r.out.split())
    assert pid == r.pid and pgid == r.pid


def test_child_gets_no_agent_fds(exec_agent, ex):
    # Give the agent more descriptors: another child's three pipes.
    other = ex.start("cat", extra={KEEP_STDIN: True})
    assert open_fd_count(exec_agent.proc.pid) > 3
    r = ex.run("ls", ["-l", "/proc/self/fd"])
    fds = {}
    for line in r.out.decode().splitlines():
        m = re.search(r" (\d+) -> (.*)$", line)
        if m:
            fds[int(m.group(1))] = m.group(2)
    assert {0, 1, 2} <= set(fds)
    assert fds[0] == "/dev/null"
    # Beyond 0-2, only the directory ls itself is reading.
    extra = {fd: target for fd, target in fds.items() if fd > 2}
    assert all(re.fullmatch(r"/proc/\d+/fd", t) for t in extra.values()), extra
    assert len(extra) <= 1
    ex.input(other, close=True)
    assert ex.collect(other).exitcode == 0


def test_child_gets_the_original_fd_limit(exec_agent_factory, tmp_path):
    """Under a low soft open-file limit the agent still runs more programs than
    it allows (three pipes each), raising its own limit to the hard one, and
    every program gets the original limit back."""
    agent = exec_agent_factory()
    agent.stop()
    # Same agent, started again under a low soft limit (lowering the hard one is always allowed).
    hard = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 4096)
    agent.args = ["prlimit", "--nofile=256:%d" % hard, "--"] + agent.args
    agent.start()
    go = tmp_path / "go"
    script = 'while [ ! -e "$0" ]; do sleep 0.05; done; ulimit -Sn; ulimit -Hn'
    with agent.connect() as conn:
        ex = ExecClient(conn)
        assert ex.sh("ulimit -Sn; ulimit -Hn").out == b"256\n%d\n" % hard
        pids = ex.start_many([dict(path="sh", arg=["-c", script, str(go)],
                                   extra={KEEP_STDIN: True})] * 120)
        # 360 pipe ends at once: more than the 256 the agent started with.
        assert open_fd_count(agent.proc.pid) > 256
        with open("/proc/%d/limits" % agent.proc.pid) as f:
            limits = f.read()
        assert re.search(r"Max open files\s+%d\s+%d" % (hard, hard), limits), limits
        go.touch()
        results = collect_all(ex, pids)
        assert ex.sh("ulimit -Sn").out == b"256\n"
    for pid in pids:
        assert results[pid].out == b"256\n%d\n" % hard


def forgotten_in_log(agent):
    return [int(p) for p in re.findall(r"forgetting process (\d+)", agent.stderr())]


def test_uncollected_finished_processes_are_bounded_by_count(exec_agent, ex):
    agent_pid = exec_agent.proc.pid
    pids = []
    # Six first, then the rest in batches, each reaped before the next: the
    # order in which they end is then known, batch by batch.
    for count in [6] + [256] * 4:
        pids += ex.start_many([dict(path="true", capture=False)] * count)
        wait_for(lambda: not children_of(agent_pid), 30, what="the batch to end")
    assert len(pids) == MAX_FINISHED + 6
    wait_for(lambda: len(forgotten_in_log(exec_agent)) == 6, 10, what="6 forgotten")
    forgotten = set(forgotten_in_log(exec_agent))
    errors = set()
    for pid in pids:
        try:
            st = ex.status(pid)
        except AgentError as e:
            assert e.desc == "Invalid parameter 'pid'"
            errors.add(pid)
            continue
        assert st == {"exited": True, "exitcode": 0}
    # The oldest go first.
    assert errors == forgotten == set(pids[:6])
    assert children_of(agent_pid) == []


def test_uncollected_finished_processes_are_bounded_by_bytes(exec_agent, ex):
    """25 ended processes with 3 MiB of uncollected output each: 64 MiB are kept,
    the rest forgotten, and what is kept is intact."""
    count, size = 25, 3 << 20
    code = "import os, sys; os.write(1, bytes([int(sys.argv[1])]) * %d)" % size
    pids = ex.start_many([dict(path=PY, arg=["-c", code, str(i)]) for i in range(count)])
    keep = FINISHED_BYTES // size
    wait_for(lambda: len(forgotten_in_log(exec_agent)) == count - keep, 30,
             what="%d forgotten" % (count - keep))
    forgotten = set(forgotten_in_log(exec_agent))
    kept = 0
    for i, pid in enumerate(pids):
        if pid in forgotten:
            try:
                ex.status(pid)
                raise AssertionError("forgotten pid %d still answers" % pid)
            except AgentError as e:
                assert e.desc == "Invalid parameter 'pid'"
            continue
        r = ex.collect(pid)
        assert r.out == bytes([i]) * size and r.exitcode == 0
        kept += 1
    assert kept == keep
