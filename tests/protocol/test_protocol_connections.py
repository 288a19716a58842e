"""Connections over unix-listen: many short clients leak nothing, and clients are
served one at a time, as qemu-ga serves them."""
from procinfo import fd_count_settles_at, open_fd_count

CYCLES = 1000


def test_thousand_connect_ping_disconnect_cycles(agent):
    pid = agent.proc.pid
    fds_idle = open_fd_count(pid)
    for i in range(CYCLES):
        with agent.connect() as c:
            c.send(b'{"execute": "guest-ping", "id": %d}' % i)
            assert c.read_reply() == {"return": {}, "id": i}
    assert agent.alive()
    assert fd_count_settles_at(pid, fds_idle) == fds_idle


def test_clients_that_send_nothing(agent):
    pid = agent.proc.pid
    fds_idle = open_fd_count(pid)
    for _ in range(200):
        agent.connect().close()
    with agent.connect() as c:
        assert c.call("guest-ping", id="after") == {"return": {}, "id": "after"}
    assert fd_count_settles_at(pid, fds_idle) == fds_idle


def test_second_client_waits_for_the_first(agent):
    first = agent.connect()
    assert first.call("guest-ping", id="first") == {"return": {}, "id": "first"}

    # The kernel accepts the second connection into the backlog; the agent does not
    # serve it while the first is connected.
    second = agent.connect()
    second.send(b'{"execute": "guest-ping", "id": "second"}')
    assert second.no_reply_within(1.0)

    # The first client is still served meanwhile.
    assert first.call("guest-ping", id="first-again") == {"return": {}, "id": "first-again"}
    assert second.no_reply_within(0.2)

    first.close()
    assert second.read_reply() == {"return": {}, "id": "second"}
    assert second.call("guest-ping", id=3) == {"return": {}, "id": 3}
    second.close()


def test_queue_of_waiting_clients_served_in_turn(agent):
    holder = agent.connect()
    assert holder.call("guest-ping") == {"return": {}}
    waiting = []
    for i in range(5):
        c = agent.connect()
        c.send(b'{"execute": "guest-ping", "id": %d}' % i)
        waiting.append(c)
    holder.close()
    # Each is served once the ones before it have left.
    for i, c in enumerate(waiting):
        assert c.read_reply() == {"return": {}, "id": i}
        c.close()
