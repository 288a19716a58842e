"""guest-fstrim on test filesystems (freezeenv.py): results latest mount first, per-path
errors worded as qemu-ga 7.2's. The ext4 image's loop device discards by punching holes
in the image file; nothing real is trimmed."""
import errno
import os

from fsenv import call_ok


def test_fstrim_results(env, fs_agents):
    env.set_mounts(["/mnt/ext4", "/mnt/tmpfs", "/mnt/missing", "/mnt/tmpfs/plain"])
    agent = env.start(fs_agents)
    with agent.connect() as c:
        env.assert_sees_only_test_mounts(c)
        got = call_ok(c, "guest-fstrim")["paths"]
    assert [p["path"] for p in got] == ["/mnt/tmpfs/plain", "/mnt/missing", "/mnt/tmpfs",
                                        "/mnt/ext4"]
    assert got[0] == {"path": "/mnt/tmpfs/plain",
                      "error": "failed to open: not a mount point under the system root"}
    assert got[1] == {"path": "/mnt/missing", "error": "failed to open: No such file or directory"}
    assert got[2] == {"path": "/mnt/tmpfs", "error": "trim not supported"}
    ext4 = got[3]
    assert set(ext4) == {"path", "minimum", "trimmed"}, ext4
    # The kernel reports back the minimum it used: the requested 0 raised to the
    # loop device's discard granularity at most.
    assert 0 <= ext4["minimum"] <= 1 << 20 and ext4["trimmed"] >= 0, ext4


def test_fstrim_minimum(env, fs_agents):
    env.set_mounts(["/mnt/ext4"])
    agent = env.start(fs_agents)
    with agent.connect() as c:
        env.assert_sees_only_test_mounts(c)
        got = call_ok(c, "guest-fstrim", {"minimum": 1 << 20})["paths"]
        assert set(got[0]) == {"path", "minimum", "trimmed"} and got[0]["minimum"] >= 1 << 20
        # More than the filesystem's size: the kernel's EINVAL, per path.
        got = call_ok(c, "guest-fstrim", {"minimum": 1 << 40})["paths"]
        assert got == [{"path": "/mnt/ext4", "error": "failed to trim: %s"
                        % os.strerror(errno.EINVAL)}]
        # A negative minimum is a huge unsigned one to the kernel.
        got = call_ok(c, "guest-fstrim", {"minimum": -1})["paths"]
        assert got == [{"path": "/mnt/ext4", "error": "failed to trim: Invalid argument"}]


def test_fstrim_with_nothing_mounted(env, fs_agents):
    env.set_mounts([])
    agent = env.start(fs_agents)
    with agent.connect() as c:
        assert call_ok(c, "guest-fstrim") == {"paths": []}
        assert call_ok(c, "guest-fstrim", {"minimum": 0}) == {"paths": []}


def test_fstrim_argument_errors(env, fs_agents):
    agent = env.start(fs_agents)
    with agent.connect() as c:
        for value in ("1", 1.5, True, None, [], {}):
            assert c.call("guest-fstrim", {"minimum": value}) == {"error": {
                "class": "GenericError",
                "desc": "Invalid parameter type for 'minimum', expected: integer"}}, value
        assert c.call("guest-fstrim", {"minimum": 1, "max": 2}) == {"error": {
            "class": "GenericError", "desc": "Parameter 'max' is unexpected"}}
