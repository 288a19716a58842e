"""guest-get-users from a utmp file written by the test (struct utmpx records) under --system-root."""
from utmpfile import BOOT_TIME, DEAD_PROCESS, LOGIN_PROCESS, USER_PROCESS, utmpx_record


def get_users(agent):
    with agent.connect() as conn:
        reply = conn.call("guest-get-users")
    assert "return" in reply, reply
    return reply["return"]


def login_time(sec, usec):
    """qemu-ga's arithmetic: seconds as a double, plus microseconds / 10^6."""
    return float(sec) + float(usec) / 1000000


def test_no_utmp_means_nobody(users_root, users_agent):
    assert get_users(users_agent(users_root)) == []


def test_empty_utmp(users_root, users_agent):
    users_root.utmp([])
    assert get_users(users_agent(users_root)) == []


def test_users_in_first_login_order_with_their_earliest_login(users_root, users_agent):
    records = [
        (BOOT_TIME, "reboot", 1600000000, 0),
        (USER_PROCESS, "alice", 1700000300, 250000),
        (LOGIN_PROCESS, "LOGIN", 1700000100, 0),
        (USER_PROCESS, "bob", 1700000200, 999999),
        (USER_PROCESS, "alice", 1700000100, 123456),     # earlier: this one counts
        (DEAD_PROCESS, "carol", 1600000000, 0),          # a session that ended
        (USER_PROCESS, "bob", 1700000900, 1),            # later: ignored
        (USER_PROCESS, "dave", 0, 0),
    ]
    users_root.utmp([utmpx_record(*r) for r in records])
    assert get_users(users_agent(users_root)) == [
        {"user": "alice", "login-time": login_time(1700000100, 123456)},
        {"user": "bob", "login-time": login_time(1700000200, 999999)},
        {"user": "dave", "login-time": 0.0},
    ]


def test_a_name_filling_ut_user_has_no_terminator(users_root, users_agent):
    """32 characters leave no NUL in ut_user; the host field must not leak in."""
    name = "u" * 32
    users_root.utmp([utmpx_record(USER_PROCESS, name, 1700000000, 5)])
    assert get_users(users_agent(users_root)) == [
        {"user": name, "login-time": login_time(1700000000, 5)}]


def test_login_time_keeps_microseconds(users_root, users_agent):
    users_root.utmp([utmpx_record(USER_PROCESS, "x", 2147483647, 999999)])
    users = get_users(users_agent(users_root))
    assert users == [{"user": "x", "login-time": login_time(2147483647, 999999)}]


def test_a_torn_last_record_is_ignored(users_root, users_agent):
    whole = utmpx_record(USER_PROCESS, "alice", 1700000000, 0)
    users_root.utmp([whole, utmpx_record(USER_PROCESS, "bob", 1700000001, 0)[:100]])
    assert get_users(users_agent(users_root)) == [{"user": "alice", "login-time": 1700000000.0}]


def test_the_file_is_read_afresh_each_time(users_root, users_agent):
    agent = users_agent(users_root)
    assert get_users(agent) == []
    users_root.utmp([utmpx_record(USER_PROCESS, "late", 1700000000, 0)])
    assert get_users(agent) == [{"user": "late", "login-time": 1700000000.0}]


def test_arguments_are_refused(users_root, users_agent):
    with users_agent(users_root).connect() as conn:
        assert conn.call("guest-get-users", {"user": "x"}) == {
            "error": {"class": "GenericError", "desc": "Parameter 'user' is unexpected"}}
