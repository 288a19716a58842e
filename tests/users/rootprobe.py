"""Proof that an agent started with --system-root reads the fake tree, before anything destructive is sent.

The suites that send shutdowns, clock settings, passwords and ssh keys to a
streamga on a fake root rely on the option being honoured: were it ignored,
the request would act on this machine. So right after start, the agent is
asked for guest-get-users while <root>/var/run/utmp holds a login that exists
nowhere else; whatever the tree had there is put back afterwards.
"""
import os
import uuid

from utmpfile import USER_PROCESS, utmpx_record

UTMP = os.path.join("var", "run", "utmp")


def assert_confined(agent, root_path):
    utmp = os.path.join(root_path, UTMP)
    saved = utmp + ".saved-by-probe"
    probe_user = "probe-" + uuid.uuid4().hex[:20]
    had_utmp = os.path.lexists(utmp)
    os.makedirs(os.path.dirname(utmp), exist_ok=True)
    if had_utmp:
        os.rename(utmp, saved)
    try:
        with open(utmp, "wb") as f:
            f.write(utmpx_record(USER_PROCESS, probe_user, 1, 0))
        with agent.connect() as conn:
            reply = conn.call("guest-get-users")
    finally:
        os.unlink(utmp)
        if had_utmp:
            os.rename(saved, utmp)
    if reply != {"return": [{"user": probe_user, "login-time": 1.0}]}:
        agent.stop()
        raise AssertionError("the agent does not read its --system-root %s (%r): not sending it "
                             "anything that could act on this machine" % (root_path, reply))
