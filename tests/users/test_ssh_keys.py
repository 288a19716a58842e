"""guest-ssh-*-authorized-keys under --system-root, with users of the tree's own /etc/passwd.

The expected files follow qemu-ga 7.2's code (qga/commands-posix-ssh.c), quirks
included: keys joined by newlines with none at the end, a kept trailing empty
line when the old file ended with one, get listing the last key first. The
same sequences run against Debian's qemu-ga in a private mount namespace in
tests/diff/test_diff_system.py.
"""
import os
import stat

import pytest

PASSWD = """root:x:0:0:root:/root:/bin/bash
alice:x:1000:1001::/home/alice:/bin/sh
nohome:x:1002:1002::/home/nohome:/bin/sh
"""
K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne one@example"
K2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQTwo two@example"
K3 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYThree"


@pytest.fixture
def tree(users_root):
    users_root.write("/etc/passwd", PASSWD)
    os.makedirs(users_root.real("/home/alice"))
    os.chown(users_root.real("/home/alice"), 1000, 1001)
    return users_root


@pytest.fixture
def conn(tree, users_agent):
    with users_agent(tree).connect() as c:
        yield c


def keys_path(tree, user="alice"):
    return tree.real("/home/%s/.ssh/authorized_keys" % user)


def owner_mode(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def ok(reply):
    assert "return" in reply, reply
    return reply["return"]


def error(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


def test_add_creates_ssh_dir_and_file_owned_by_the_user(tree, conn):
    assert ok(conn.call("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [K1, K2]})) == {}
    ssh_dir = tree.real("/home/alice/.ssh")
    assert owner_mode(ssh_dir) == (1000, 1001, 0o700)
    assert owner_mode(keys_path(tree)) == (1000, 1001, 0o600)
    with open(keys_path(tree)) as f:
        assert f.read() == K1 + "\n" + K2        # no final newline, as qemu-ga writes it
    assert ok(conn.call("guest-ssh-get-authorized-keys", {"username": "alice"})) == {"keys": [K2, K1]}


def test_add_appends_and_skips_keys_already_there(tree, conn):
    conn.call("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [K1]})
    assert ok(conn.call("guest-ssh-add-authorized-keys",
                        {"username": "alice", "keys": [K2, K1, K2], "reset": False})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == "\n".join([K1, K2])


def test_add_to_a_file_ending_in_a_newline_keeps_the_empty_line(tree, conn):
    """qemu-ga splits at every newline and appends after the empty last piece."""
    tree.write("/home/alice/.ssh/authorized_keys", "# mine\n" + K1 + "\n", 0o644, 1000, 1001)
    assert ok(conn.call("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [K2]})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == "# mine\n" + K1 + "\n\n" + K2
    assert owner_mode(keys_path(tree)) == (1000, 1001, 0o600)


def test_reset_replaces_the_file(tree, conn):
    tree.write("/home/alice/.ssh/authorized_keys", K1 + "\n" + K2, 0o600, 1000, 1001)
    assert ok(conn.call("guest-ssh-add-authorized-keys",
                        {"username": "alice", "keys": [K3, K3], "reset": True})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == K3


def test_reset_with_no_keys_empties_the_file(tree, conn):
    tree.write("/home/alice/.ssh/authorized_keys", K1, 0o600, 1000, 1001)
    assert ok(conn.call("guest-ssh-add-authorized-keys",
                        {"username": "alice", "keys": [], "reset": True})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == ""


def test_get_strips_and_skips_comments_and_blank_lines_last_key_first(tree, conn):
    tree.write("/home/alice/.ssh/authorized_keys",
               "# comment\n  %s  \n\n\t\n%s\n   # indented comment\n%s" % (K1, K2, K3), 0o600)
    assert ok(conn.call("guest-ssh-get-authorized-keys", {"username": "alice"})) == {
        "keys": [K3, K2, K1]}


def test_get_without_a_file(tree, conn):
    path = keys_path(tree)
    assert conn.call("guest-ssh-get-authorized-keys", {"username": "alice"}) == error(
        "failed to read '%s': Failed to open file \u201c%s\u201d: No such file or directory"
        % (path, path))


def test_remove_takes_out_exact_lines_only(tree, conn):
    tree.write("/home/alice/.ssh/authorized_keys",
               "\n".join([K1, " " + K2, K2, K3, K1]) + "\n", 0o644, 0, 0)
    assert ok(conn.call("guest-ssh-remove-authorized-keys",
                        {"username": "alice", "keys": [K1, K2, "not there"]})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == " " + K2 + "\n" + K3 + "\n"
    # rewritten as the user's, 0600
    assert owner_mode(keys_path(tree)) == (1000, 1001, 0o600)


def test_remove_without_a_file_creates_nothing(tree, conn):
    assert ok(conn.call("guest-ssh-remove-authorized-keys", {"username": "alice", "keys": [K1]})) == {}
    assert not os.path.exists(tree.real("/home/alice/.ssh"))


def test_home_that_does_not_exist(tree, conn):
    path = tree.real("/home/nohome/.ssh")
    assert conn.call("guest-ssh-add-authorized-keys", {"username": "nohome", "keys": [K1]}) == error(
        "failed to create directory '%s': No such file or directory" % path)


@pytest.mark.parametrize("command,arguments", [
    ("guest-ssh-get-authorized-keys", {"username": "nosuch"}),
    ("guest-ssh-add-authorized-keys", {"username": "nosuch", "keys": [K1]}),
    ("guest-ssh-add-authorized-keys", {"username": "nosuch", "keys": []}),
    ("guest-ssh-remove-authorized-keys", {"username": "nosuch", "keys": [K1]}),
    ("guest-ssh-get-authorized-keys", {"username": ""}),
])
def test_unknown_users(tree, conn, command, arguments):
    """glib's lookup failure reads "Success" (strerror(0)), and so does qemu-ga's message."""
    assert conn.call(command, arguments) == error(
        "failed to lookup user '%s': Success" % arguments["username"])


def test_no_passwd_file(users_root, users_agent):
    with users_agent(users_root).connect() as c:
        assert c.call("guest-ssh-get-authorized-keys", {"username": "alice"}) == error(
            "failed to lookup user 'alice': No such file or directory")


@pytest.mark.parametrize("keys,bad", [
    (["#comment"], "#comment"),
    ([K1, "a\nb"], "a\nb"),
    (["# " + K1], "# " + K1),
])
@pytest.mark.parametrize("command", ["guest-ssh-add-authorized-keys",
                                     "guest-ssh-remove-authorized-keys"])
def test_invalid_keys_are_refused_before_the_user_is_looked_up(tree, conn, command, keys, bad):
    for user in ("alice", "nosuch"):
        assert conn.call(command, {"username": user, "keys": keys}) == error(
            "invalid OpenSSH public key: '%s'" % bad)
    assert not os.path.exists(tree.real("/home/alice/.ssh"))


def test_an_empty_key_passes_qemu_gas_check(tree, conn):
    assert ok(conn.call("guest-ssh-add-authorized-keys", {"username": "alice", "keys": ["", K1]})) == {}
    with open(keys_path(tree)) as f:
        assert f.read() == "\n" + K1


def test_ssh_path_that_is_a_file(tree, conn):
    tree.write("/home/alice/.ssh", "not a directory")
    path = tree.real("/home/alice/.ssh")
    assert conn.call("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [K1]}) == error(
        "failed to create directory '%s': File exists" % path)


@pytest.mark.parametrize("command,arguments,desc", [
    ("guest-ssh-get-authorized-keys", {}, "Parameter 'username' is missing"),
    ("guest-ssh-add-authorized-keys", {"username": "alice"}, "Parameter 'keys' is missing"),
    ("guest-ssh-add-authorized-keys", {"username": "alice", "keys": "k"},
     "Invalid parameter type for 'keys', expected: array"),
    ("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [1]},
     "Invalid parameter type for 'keys[0]', expected: string"),
    ("guest-ssh-add-authorized-keys", {"username": "alice", "keys": [], "reset": 1},
     "Invalid parameter type for 'reset', expected: boolean"),
    ("guest-ssh-remove-authorized-keys", {"username": "alice", "keys": [], "reset": True},
     "Parameter 'reset' is unexpected"),
    ("guest-ssh-get-authorized-keys", {"username": ["alice"]},
     "Invalid parameter type for 'username', expected: string"),
])
def test_bad_arguments(tree, conn, command, arguments, desc):
    assert conn.call(command, arguments) == error(desc)
    assert not os.path.exists(tree.real("/home/alice/.ssh"))
