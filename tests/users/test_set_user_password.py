"""guest-set-user-password under --system-root, checked against Debian's chpasswd.

qemu-ga pipes "user:password" into `chpasswd` (`chpasswd -e` when crypted);
streamga edits the files itself. For crypted passwords the reference is that
very chpasswd, run with -R on a copy of the same tree: both trees must end up
byte for byte the same (shadow-utils' rules: which file gets the hash, new
shadow entries, the last-change day). Plain passwords are hashed by streamga
(login.defs's method) and verified with crypt(3) through Python's crypt module.
"""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
import warnings

import pytest
from usersroot import UsersRoot

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt     # deprecated since 3.11, still in Debian 12's python; libcrypt underneath

CHPASSWD = shutil.which("chpasswd") or "/usr/sbin/chpasswd"
FAILED_DESC = "child process has failed to set user password"
HASH = "$6$saltsalt$Dq6S1mUqGzrl2sPR0q.uDhcQhRojCKOBqy7KjXv5Tn2HwaMFDVuvWZPCbJiRGoE4YpW5wA3X6p6b8w6DLe1Dq0"

PASSWD = """root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/sh
# a comment line
bob:x:1001:1001::/home/bob:/bin/sh
dave:x:1003:1003::/home/dave:/bin/sh
erin:*:1004:1004::/home/erin:/bin/sh
gina:*:1005:1005::/home/gina:/bin/sh
hank:x:1006:1006::/home/hank:/bin/sh
ivan:x:bad:1007::/home/ivan:/bin/sh
ivan:x:1007:1007::/home/ivan:/bin/sh
not a passwd line
"""
SHADOW = """root:*:19000:0:99999:7:::
alice:!:19000:0:99999:7:::
bob:$6$x$y:0:0:99999:7:::

#c
erin:!:19000:0:99999:7:::
hank:!:::::::
ivan:!:1:2:3:4:5:6:
alice:$6$second$entry:1:::::: 
garbage"""


def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def today():
    return int(time.time()) // 86400


def make_tree(root, passwd=PASSWD, shadow=SHADOW, login_defs=None):
    root.write("/etc/passwd", passwd, 0o644)
    if shadow is not None:
        root.write("/etc/shadow", shadow, 0o640, gid=42)
    if login_defs is not None:
        root.write("/etc/login.defs", login_defs)


def tree_state(root):
    state = {}
    for name in ("passwd", "shadow"):
        rel = "/etc/" + name
        if root.exists(rel):
            st = os.stat(root.real(rel))
            state[name] = (root.read(rel), st.st_mode, st.st_uid, st.st_gid)
    return state


def set_password(agent, username, password, crypted):
    with agent.connect() as conn:
        return conn.call("guest-set-user-password",
                         {"username": username, "password": password, "crypted": crypted})


@pytest.fixture
def chpasswd_tree(tmp_path):
    """Factory: the tree after Debian's chpasswd -R <tree> -e had its way (and its exit status)."""
    def run(user, hash_, **tree):
        root = UsersRoot(tmp_path / "chpasswd")
        make_tree(root, **tree)
        rc = subprocess.run([CHPASSWD, "-R", root.path, "-e"], input=("%s:%s\n" % (user, hash_)).encode(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30).returncode
        state = tree_state(root)
        shutil.rmtree(root.path)
        return rc, state
    return run


@pytest.mark.parametrize("user", ["alice", "bob", "dave", "erin", "gina", "hank", "ivan", "root"])
@pytest.mark.parametrize("shadow", [SHADOW, None], ids=["shadow", "no-shadow"])
def test_crypted_password_lands_where_chpasswd_puts_it(users_root, users_agent, chpasswd_tree,
                                                        user, shadow):
    for attempt in range(2):    # a second try only if midnight (UTC) passed in between
        day = today()
        expected_rc, expected = chpasswd_tree(user, HASH, shadow=shadow)
        make_tree(users_root, shadow=shadow)
        reply = set_password(users_agent(users_root), user, b64(HASH), True)
        if today() == day:
            break
    assert expected_rc == 0
    assert reply == {"return": {}}, reply
    got = tree_state(users_root)
    assert got == expected, (got, expected)
    assert HASH.encode() in got["passwd"][0] + got.get("shadow", (b"",))[0]
    assert not users_root.exists("/etc/passwd+") and not users_root.exists("/etc/shadow+")


@pytest.mark.parametrize("user,hash_", [
    ("nosuch", HASH),
    ("", HASH),
    ("alice", "$6$a:b"),            # would split the line: chpasswd refuses to write it
])
def test_what_chpasswd_refuses_fails_alike(users_root, users_agent, chpasswd_tree, user, hash_):
    expected_rc, expected = chpasswd_tree(user, hash_)
    make_tree(users_root)
    before = tree_state(users_root)
    agent = users_agent(users_root)
    reply = set_password(agent, user, b64(hash_), True)
    assert expected_rc != 0
    assert reply == {"error": {"class": "GenericError", "desc": FAILED_DESC}}
    assert tree_state(users_root) == before == expected


def build_is_static(build_dir):
    """Whether build_dir was configured with -Dstatic=true (meson's introspection)."""
    with open(os.path.join(build_dir, "meson-info", "intro-buildoptions.json")) as f:
        return any(o["name"] == "static" and o["value"] is True for o in json.load(f))


@pytest.mark.parametrize("login_defs,prefix", [
    (None, "$6$"),
    ("ENCRYPT_METHOD SHA512\n", "$6$"),
    ("# ENCRYPT_METHOD DES\nENCRYPT_METHOD   SHA256\n", "$5$"),
    ("ENCRYPT_METHOD YESCRYPT\n", "$y$"),
    ("ENCRYPT_METHOD MD5\n", "$6$"),         # never a weak hash
    ("ENCRYPT_METHOD DES\n", "$6$"),
])
def test_plain_password_is_hashed_with_the_configured_method(users_root, users_agent, login_defs,
                                                              prefix, build_dir):
    if build_is_static(build_dir):
        prefix = "$6$"      # the static build has only the built-in SHA-512
    make_tree(users_root, login_defs=login_defs)
    before = users_root.read("/etc/shadow").decode().split("\n")
    password = "correct horse battery staple \u00e9"
    assert set_password(users_agent(users_root), "alice", b64(password), False) == {"return": {}}
    after = users_root.read("/etc/shadow").decode().split("\n")
    changed = [i for i in range(len(before)) if before[i] != after[i]]
    assert changed == [1], (before, after)
    fields = after[1].split(":")
    assert fields[0] == "alice" and fields[3:] == before[1].split(":")[3:]
    assert fields[1].startswith(prefix), fields[1]
    assert crypt.crypt(password, fields[1]) == fields[1]
    assert crypt.crypt("wrong", fields[1]) != fields[1]
    assert int(fields[2]) in (today(), today() - 1)
    st = os.stat(users_root.real("/etc/shadow"))
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o640, 0, 42)
    assert users_root.read("/etc/passwd") == PASSWD.encode()


def test_two_hashes_of_one_password_differ(users_root, users_agent):
    """A fresh salt each time."""
    make_tree(users_root)
    agent = users_agent(users_root)
    hashes = []
    for _ in range(2):
        assert set_password(agent, "alice", b64("same"), False) == {"return": {}}
        hashes.append(users_root.read("/etc/shadow").decode().split("\n")[1].split(":")[1])
    assert hashes[0] != hashes[1]
    assert all(crypt.crypt("same", h) == h for h in hashes)


def test_password_ends_at_a_nul_byte(users_root, users_agent):
    """qemu-ga hands chpasswd a C string: what follows a NUL is lost."""
    make_tree(users_root)
    assert set_password(users_agent(users_root), "alice", b64(b"abc\0def"), False) == {"return": {}}
    hash_ = users_root.read("/etc/shadow").decode().split("\n")[1].split(":")[1]
    assert crypt.crypt("abc", hash_) == hash_


@pytest.mark.parametrize("username,password,desc", [
    ("alice", "!!!!", "Base64 data contains invalid characters"),
    ("alice", "YWJj\x01", "Base64 data contains invalid characters"),
    ("alice", b64("a\nb"), "forbidden characters in raw password"),
    ("alice", b64("\n"), "forbidden characters in raw password"),
    ("ali:ce", b64("x"), "forbidden characters in username"),
    ("alice\n", b64("x"), "forbidden characters in username"),
    ("nosuch", b64("x"), FAILED_DESC),
])
@pytest.mark.parametrize("crypted", [True, False])
def test_refusals_leave_the_files_alone(users_root, users_agent, username, password, desc, crypted):
    make_tree(users_root)
    before = tree_state(users_root)
    reply = set_password(users_agent(users_root), username, password, crypted)
    assert reply == {"error": {"class": "GenericError", "desc": desc}}
    assert tree_state(users_root) == before


def test_missing_passwd_file(users_root, users_agent):
    agent = users_agent(users_root)
    assert set_password(agent, "alice", b64("x"), False) == {
        "error": {"class": "GenericError", "desc": FAILED_DESC}}
    assert "cannot read" in agent.stderr()


def test_selinux_label_is_kept(users_root, users_agent):
    """A replaced /etc/shadow keeps its security.selinux attribute (login programs need it)."""
    make_tree(users_root)
    label = b"system_u:object_r:shadow_t:s0\0"
    os.setxattr(users_root.real("/etc/shadow"), "security.selinux", label)
    assert set_password(users_agent(users_root), "alice", b64(HASH), True) == {"return": {}}
    assert os.getxattr(users_root.real("/etc/shadow"), "security.selinux") == label
    assert HASH.encode() in users_root.read("/etc/shadow")


def test_a_held_passwd_lock_is_waited_for_then_given_up(users_root, users_agent):
    """The passwd tools' lock (fcntl on /etc/.pwd.lock): held by someone else,
    the agent waits a few seconds, then fails and leaves the files alone."""
    make_tree(users_root)
    before = tree_state(users_root)
    lock_path = users_root.write("/etc/.pwd.lock", "", 0o600)
    agent = users_agent(users_root)
    with open(lock_path, "w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        reply = set_password(agent, "alice", b64(HASH), True)
    assert reply == {"error": {"class": "GenericError", "desc": FAILED_DESC}}
    assert tree_state(users_root) == before
    assert "cannot lock" in agent.stderr()
    # once free, it is taken
    assert set_password(agent, "alice", b64(HASH), True) == {"return": {}}


@pytest.mark.parametrize("arguments,desc", [
    ({"username": "alice", "password": "eA=="}, "Parameter 'crypted' is missing"),
    ({"password": "eA==", "crypted": True}, "Parameter 'username' is missing"),
    ({"username": "alice", "crypted": True}, "Parameter 'password' is missing"),
    ({"username": 1, "password": "eA==", "crypted": True},
     "Invalid parameter type for 'username', expected: string"),
    ({"username": "alice", "password": "eA==", "crypted": "yes"},
     "Invalid parameter type for 'crypted', expected: boolean"),
    ({"username": "alice", "password": None, "crypted": True},
     "Invalid parameter type for 'password', expected: string"),
])
def test_bad_arguments(users_root, users_agent, arguments, desc):
    make_tree(users_root)
    before = tree_state(users_root)
    with users_agent(users_root).connect() as conn:
        assert conn.call("guest-set-user-password", arguments) == {
            "error": {"class": "GenericError", "desc": desc}}
    assert tree_state(users_root) == before
