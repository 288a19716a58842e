"""Differential tests of the system family: shutdown, set-time, users, passwords, ssh keys.

These commands change the machine, so Debian's qemu-ga only ever gets requests
it refuses before acting (bad modes, out-of-range times, unknown users, wrong
types), or read-only ones. streamga runs on a fake system root for those, so
that even a bug of its own could not act on the machine.

Beyond errors, the real behaviour of both agents is compared in private mount
namespaces: a fake /etc/passwd and /home bind-mounted over the machine's for
the ssh-key commands, a tmpfs /run holding a utmp written by the test for
guest-get-users. Each agent gets its own copy of the tree; replies and the
files left behind must be the same.
"""
import calendar
import json
import os
import pwd
import re
import shutil
import stat
import sys

import pytest

from diffagents import AgentPair, assert_equivalent, request, single_replies
from diffshape import LEFT, same_json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "users"))
from rootprobe import assert_confined  # noqa: E402
from utmpfile import BOOT_TIME, DEAD_PROCESS, USER_PROCESS, utmpx_record  # noqa: E402

NS = 10**9
DAY = 86400
YEAR_2070 = calendar.timegm((2070, 1, 1, 0, 0, 0))
UNKNOWN_USERS = ["nosuchuser-sga", "", "no such user", "x" * 300]


def unknown(name):
    """Guard: a user name sent to qemu-ga must not exist on this machine."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return name
    raise AssertionError("user %r exists here: not sending it to qemu-ga" % name)


class PairHolder:
    """A pair reused across a module's cases, replaced when a case left it unclean."""

    def __init__(self, make):
        self.make = make
        self.pair = None
        self.problems = []

    def get(self):
        if self.pair is not None and (self.pair.dirty or not self.pair.alive()):
            self._retire()
        if self.pair is None:
            self.pair = self.make()
        return self.pair

    def _retire(self):
        problem = self.pair.stop()
        if problem:
            self.problems.append(problem)
        self.pair = None

    def close(self):
        if self.pair is not None:
            self._retire()
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture(scope="module")
def rooted_pair(agent_binary, qemu_ga_binary, tmp_path_factory):
    """qemu-ga on the machine; streamga on a fake root with a systemd-like PID 1,
    an empty /etc/passwd and no RTC (its actions would only be recorded)."""
    root = tmp_path_factory.mktemp("fakeroot")
    os.makedirs(root / "proc" / "1")
    (root / "proc" / "1" / "comm").write_text("systemd\n")
    (root / "proc" / "1" / "status").write_text("SigBlk:\t0000007000000000\nSigCgt:\t0\n")
    os.makedirs(root / "etc")
    (root / "etc" / "passwd").write_text("")

    def make():
        pair = AgentPair(agent_binary, qemu_ga_binary, tmp_path_factory.mktemp("pair"),
                         streamga_args=("--system-root=%s" % root,)).start()
        assert_confined(pair.agents[LEFT], str(root))
        return pair

    holder = PairHolder(make)
    yield holder
    holder.close()
    actions = root / "streamga-actions"
    assert not actions.exists(), "streamga acted: %s" % actions.read_text()


def same_error(pair, payload):
    sga, qga = single_replies(pair.exchange(payload), payload)
    assert_equivalent(sga, qga, payload)
    assert "error" in sga.value, sga
    return sga.value


# Every one of these is refused by qemu-ga before it acts (checked by reading
# qga/commands-posix.c and the QAPI marshallers); modes and times chosen to be
# invalid in every time zone.
SHUTDOWN_ERRORS = [
    {"mode": "bogus"}, {"mode": ""}, {"mode": "Reboot"}, {"mode": "halt "}, {"mode": "poweroff"},
    {"mode": 5}, {"mode": []}, {"mode": {}}, {"mode": True},
    {"mode": "bogus", "force": True}, {"force": True, "mode": "bogus"},
]
SET_TIME_ERRORS = [
    {"time": -10**18}, {"time": -2 * DAY * NS}, {"time": 2**62}, {"time": 2**63 - 1},
    {"time": -2**63}, {"time": (YEAR_2070 + 2 * DAY) * NS},
    {"time": "1"}, {"time": 1.5}, {"time": True}, {"time": []}, {"time": {}}, {"time": 2**63},
    {"time": -10**18, "utc": True},
]


@pytest.mark.parametrize("arguments", SHUTDOWN_ERRORS, ids=json.dumps)
def test_shutdown_errors_match(rooted_pair, arguments):
    same_error(rooted_pair.get(), request("guest-shutdown", arguments, "s"))


@pytest.mark.parametrize("arguments", SET_TIME_ERRORS, ids=json.dumps)
def test_set_time_errors_match(rooted_pair, arguments):
    same_error(rooted_pair.get(), request("guest-set-time", arguments, 9))


def password_errors():
    for crypted in (True, False):
        for user in UNKNOWN_USERS[:2]:
            yield {"username": user, "password": "YWJj", "crypted": crypted}     # unknown user
        yield {"username": "nosuchuser-sga", "password": "!!!", "crypted": crypted}
        yield {"username": "nosuchuser-sga", "password": "YWJj\n\u00e9", "crypted": crypted}
        yield {"username": "nosuchuser-sga", "password": "YQpi", "crypted": crypted}    # "a\nb"
        yield {"username": "a:b", "password": "YWJj", "crypted": crypted}
        yield {"username": "a\nb", "password": "YWJj", "crypted": crypted}
    yield {"username": "nosuchuser-sga", "password": "YWJj"}
    yield {"username": "nosuchuser-sga", "crypted": True}
    yield {"password": "YWJj", "crypted": True}
    yield {"username": 1, "password": "YWJj", "crypted": True}
    yield {"username": "nosuchuser-sga", "password": "YWJj", "crypted": "true"}
    yield {"username": "nosuchuser-sga", "password": "YWJj", "crypted": True, "x": 1}


@pytest.mark.parametrize("arguments", list(password_errors()), ids=json.dumps)
def test_set_user_password_errors_match(rooted_pair, arguments):
    if isinstance(arguments.get("username"), str) and ":" not in arguments["username"] and \
            "\n" not in arguments["username"]:
        unknown(arguments["username"])
    same_error(rooted_pair.get(), request("guest-set-user-password", arguments))


def ssh_errors():
    for user in UNKNOWN_USERS:
        yield "guest-ssh-get-authorized-keys", {"username": user}
        yield "guest-ssh-add-authorized-keys", {"username": user, "keys": ["ssh-rsa AAAA x"]}
        yield "guest-ssh-add-authorized-keys", {"username": user, "keys": [], "reset": True}
        yield "guest-ssh-remove-authorized-keys", {"username": user, "keys": ["ssh-rsa AAAA x"]}
    for keys in (["#x"], ["ssh-rsa AAAA x", "a\nb"], ["# ssh-rsa AAAA"]):
        yield "guest-ssh-add-authorized-keys", {"username": "nosuchuser-sga", "keys": keys}
        yield "guest-ssh-remove-authorized-keys", {"username": "nosuchuser-sga", "keys": keys}
    yield "guest-ssh-get-authorized-keys", {}
    yield "guest-ssh-get-authorized-keys", {"username": 1}
    yield "guest-ssh-add-authorized-keys", {"username": "nosuchuser-sga"}
    yield "guest-ssh-add-authorized-keys", {"username": "nosuchuser-sga", "keys": "k"}
    yield "guest-ssh-add-authorized-keys", {"username": "nosuchuser-sga", "keys": [1]}
    yield "guest-ssh-add-authorized-keys", {"username": "nosuchuser-sga", "keys": [], "reset": 1}
    yield "guest-ssh-remove-authorized-keys", {"username": "nosuchuser-sga", "keys": [], "reset": True}


@pytest.mark.parametrize("command,arguments", list(ssh_errors()),
                         ids=lambda v: v if isinstance(v, str) else json.dumps(v))
def test_ssh_errors_match(rooted_pair, command, arguments):
    if isinstance(arguments.get("username"), str):
        unknown(arguments["username"])
    same_error(rooted_pair.get(), request(command, arguments))


def test_get_authorized_keys_of_the_machines_users_match(pair):
    """Read only: each user of this machine, through NSS in both agents (streamga
    with the real root), same keys or same error with the same paths."""
    for entry in pwd.getpwall():
        payload = request("guest-ssh-get-authorized-keys", {"username": entry.pw_name})
        sga, qga = single_replies(pair.exchange(payload), payload)
        assert_equivalent(sga, qga, payload)
        assert same_json(sga.value, qga.value), (sga.value, qga.value)


# ---- both agents on fake trees, in private mount namespaces ----------------------

WRAPPER = """#!/bin/sh
# Run the agent in a private mount namespace: %(what)s
exec unshare --mount --propagation private -- /bin/sh -ec '%(setup)s
exec "$@"' "%(tree)s" "%(binary)s" "$@"
"""


def namespaced(binary, tree, setup, what, name):
    """A script that runs binary (with the agent's arguments) in a mount namespace
    prepared by setup, a shell snippet where $0 is the tree."""
    path = os.path.join(tree, "..", name + "-wrapper.sh")
    with open(path, "w") as f:
        f.write(WRAPPER % {"what": what, "setup": setup, "tree": tree, "binary": binary})
    os.chmod(path, 0o755)
    return os.path.abspath(path)


def ns_pair(agent_binary, qemu_ga_binary, tmp_path, setup, what, build_tree):
    """A pair whose agents each run in a mount namespace over their own copy of a tree."""
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.fail("the namespace comparisons need unshare(1) and root")
    wrappers = []
    for name, binary in (("streamga", agent_binary), ("qemu-ga", qemu_ga_binary)):
        tree = str(tmp_path / (name + "-tree"))
        os.makedirs(tree)
        build_tree(tree)
        wrappers.append(namespaced(binary, tree, setup, what, name))
    return AgentPair(wrappers[0], wrappers[1], tmp_path / "pair").start()


SSH_SETUP = 'mount --bind "$0/passwd" /etc/passwd; mount --bind "$0/home" /home'
K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne one@example"
K2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQTwo two@example"
K3 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYThree"
FAKE_USERS = {
    # name: (uid, gid, home exists, .ssh is a file, authorized_keys content)
    "sga-alice": (2001, 2101, True, False, None),
    "sga-bob": (2002, 2102, True, False, "# bob's\n%s\n\n  %s  \n" % (K1, K2)),
    "sga-carol": (2003, 2103, True, True, None),
    "sga-nohome": (2004, 2104, False, False, None),
}


def build_ssh_tree(tree):
    lines = []
    os.makedirs(os.path.join(tree, "home"))
    for name, (uid, gid, home, ssh_is_file, keys) in FAKE_USERS.items():
        lines.append("%s:x:%d:%d::/home/%s:/bin/sh" % (name, uid, gid, name))
        if not home:
            continue
        h = os.path.join(tree, "home", name)
        os.makedirs(h)
        os.chown(h, uid, gid)
        if ssh_is_file:
            with open(os.path.join(h, ".ssh"), "w") as f:
                f.write("x")
        if keys is not None:
            os.makedirs(os.path.join(h, ".ssh"), 0o755)
            with open(os.path.join(h, ".ssh", "authorized_keys"), "w") as f:
                f.write(keys)
            os.chmod(os.path.join(h, ".ssh", "authorized_keys"), 0o644)
    with open(os.path.join(tree, "passwd"), "w") as f:
        f.write("\n".join(lines) + "\n")


SSH_SEQUENCE = [
    ("guest-ssh-get-authorized-keys", {"username": "sga-alice"}),
    ("guest-ssh-remove-authorized-keys", {"username": "sga-alice", "keys": [K1]}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-alice", "keys": [K1, K2, K1]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-alice"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-alice", "keys": [K2, K3], "reset": False}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-alice"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-alice", "keys": [K3], "reset": True}),
    ("guest-ssh-remove-authorized-keys", {"username": "sga-alice", "keys": [K3, "absent"]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-alice"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-alice", "keys": ["", K2]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-bob"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-bob", "keys": [K3, K1]}),
    ("guest-ssh-remove-authorized-keys", {"username": "sga-bob", "keys": [K2]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-bob"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-carol", "keys": [K1]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-carol"}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-nohome", "keys": [K1]}),
    ("guest-ssh-remove-authorized-keys", {"username": "sga-nohome", "keys": [K1]}),
    ("guest-ssh-add-authorized-keys", {"username": "sga-alice", "keys": ["#c"]}),
    ("guest-ssh-get-authorized-keys", {"username": "sga-nobody"}),
]


def tree_listing(tree):
    """Every file and directory under home: type, mode, owner, content."""
    out = {}
    base = os.path.join(tree, "home")
    for dirpath, dirnames, filenames in os.walk(base):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    content = f.read()
            out[os.path.relpath(p, base)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                                             st.st_uid, st.st_gid, content)
    return out


def test_ssh_keys_on_fake_users_match(agent_binary, qemu_ga_binary, tmp_path):
    pair = ns_pair(agent_binary, qemu_ga_binary, tmp_path, SSH_SETUP,
                   "a fake /etc/passwd and /home", build_ssh_tree)
    try:
        for command, arguments in SSH_SEQUENCE:
            payload = request(command, arguments)
            sga, qga = single_replies(pair.exchange(payload), payload)
            assert_equivalent(sga, qga, payload)
            assert same_json(sga.value, qga.value), (payload, sga.value, qga.value)
    finally:
        problem = pair.stop()
    assert not problem, problem
    sga_tree = tree_listing(str(tmp_path / "streamga-tree"))
    qga_tree = tree_listing(str(tmp_path / "qemu-ga-tree"))
    assert sga_tree == qga_tree
    assert "sga-alice/.ssh/authorized_keys" in sga_tree


UTMP_SETUP = 'mount -t tmpfs -o mode=755 tmpfs /run; cp "$0/utmp" /run/utmp'


@pytest.mark.parametrize("records", [
    [],
    [(USER_PROCESS, "alice", 1700000300, 250000), (BOOT_TIME, "reboot", 1600000000, 0),
     (USER_PROCESS, "bob", 1700000200, 999999), (USER_PROCESS, "alice", 1700000100, 123456),
     (DEAD_PROCESS, "carol", 1600000000, 0), (USER_PROCESS, "bob", 1700000900, 1)],
    [(USER_PROCESS, "u" * 31, 2147483647, 999999), (USER_PROCESS, "root", 1, 1),
     (USER_PROCESS, "root", 0, 999999)],
], ids=["empty", "several", "edges"])
def test_get_users_on_a_written_utmp_match(agent_binary, qemu_ga_binary, tmp_path, records):
    def build(tree):
        with open(os.path.join(tree, "utmp"), "wb") as f:
            f.write(b"".join(utmpx_record(*r) for r in records))

    pair = ns_pair(agent_binary, qemu_ga_binary, tmp_path, UTMP_SETUP, "a tmpfs /run with a utmp",
                   build)
    try:
        payload = request("guest-get-users", id=1)
        sga, qga = single_replies(pair.exchange(payload), payload)
        assert_equivalent(sga, qga, payload)
        assert same_json(sga.value, qga.value), (sga.raw, qga.raw)
        # the login times are printed alike (qemu-ga orders members by hash,
        # so the numbers are compared as text, not the whole line)
        times = [re.findall(rb'"login-time": ([^,}]+)', r.raw) for r in (sga, qga)]
        assert times[0] == times[1], times
    finally:
        problem = pair.stop()
    assert not problem, problem
    assert len(sga.value["return"]) == len({r[1] for r in records if r[0] == USER_PROCESS})
