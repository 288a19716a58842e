"""The agent on a real virtio-serial port, with the host side coming and going.

On virtio-serial the host closing its end is not the end of the channel: the
guest driver keeps the port open, reports POLLHUP on every poll() and read()
returns 0 until the host reconnects.  An agent must neither spin on that nor
stop serving.  One guest is shared by the module; each test uses its own
connections and leaves the host side closed.
"""
import time

import pytest

pytestmark = pytest.mark.vm

# Seconds a reconnecting host waits for the agent to answer guest-sync-delimited.
RESYNC_TIMEOUT = 10.0
# CPU the agent may use while the host is away: 1 tick is 10 ms.  An agent that
# spins on POLLHUP burns ~100 ticks per second; an idle one stays at 0.
IDLE_SECONDS = 5
MAX_IDLE_TICKS = 2
# Wakeups while the host is away, per second: streamga's fallback probe wakes it
# once a second; an agent that polls the hung-up port (qemu-ga: 10 times a
# second) exceeds this even when each wakeup is too short to count as CPU time.
MAX_IDLE_SWITCHES_PER_SECOND = 2
# Reconnect cycles in a row with no pause between them.
RAPID_RECONNECTS = 20


def ping(conn, id=None):
    return conn.call("guest-ping", id=id, timeout=RESYNC_TIMEOUT)


def test_ping_and_sync_after_boot(guest):
    with guest.connect() as conn:
        assert ping(conn) == {"return": {}}
        guest.resync(conn, 4242)
        assert ping(conn, id="after-sync") == {"return": {}, "id": "after-sync"}


def test_host_disconnect_does_not_spin(guest):
    with guest.connect() as conn:
        assert ping(conn) == {"return": {}}
    # The host side is closed now; start from the first sample printed after it.
    samples = [guest.agent_cpu()]
    for _ in range(IDLE_SECONDS):
        samples.append(guest.agent_cpu(start=samples[-1].end))
    ticks = [s.ticks for s in samples]
    used = ticks[-1] - ticks[0]
    switches = samples[-1].switches - samples[0].switches
    print("while disconnected: CPU ticks once a second %s (used %d), %d context switches"
          % (ticks, used, switches))
    assert used <= MAX_IDLE_TICKS, \
        "agent used %d clock ticks in %d s with the host disconnected: %s" \
        % (used, IDLE_SECONDS, ticks)
    assert switches <= MAX_IDLE_SWITCHES_PER_SECOND * IDLE_SECONDS, \
        "agent woke up %d times in %d s with the host disconnected" % (switches, IDLE_SECONDS)


@pytest.mark.parametrize("idle", [0.0, 1.5, 3.0], ids=["at-once", "after-1.5s", "after-3s"])
def test_serves_again_when_host_returns(guest, idle):
    # Reconnecting at once races the agent noticing the hang-up; waiting
    # lets it settle into its disconnected state (SIGIO plus a 1 s probe).
    with guest.connect() as conn:
        assert ping(conn) == {"return": {}}
    time.sleep(idle)
    with guest.connect(sync=False) as conn:
        took = guest.resync(conn, 7000 + int(idle * 10), timeout=RESYNC_TIMEOUT)
        print("reconnect after %.1f s away: resync took %.2f s" % (idle, took))
        assert ping(conn, id="back") == {"return": {}, "id": "back"}


def test_half_request_then_reconnect(guest):
    with guest.connect() as conn:
        conn.send(b'{"execute": "guest-ping", "argu')
        # Let the fragment reach the agent before the hang-up.
        time.sleep(0.5)
    with guest.connect(sync=False) as conn:
        took = guest.resync(conn, 8000, timeout=RESYNC_TIMEOUT)
        print("resync after a half-sent request took %.2f s" % took)
        assert ping(conn, id="whole") == {"return": {}, "id": "whole"}


def test_rapid_reconnects_lose_no_request(guest):
    # A host that reconnects the moment it closed must have its first request
    # answered: the agent may not throw away what arrives while it notices the
    # hang-up. One resync each, no retry.
    for i in range(RAPID_RECONNECTS):
        with guest.connect(sync=False) as conn:
            guest.resync(conn, 9000 + i, timeout=RESYNC_TIMEOUT)
            assert ping(conn, id=i) == {"return": {}, "id": i}
