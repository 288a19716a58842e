"""Differential cases of the network family for test_diff_commands.py (this machine's
interfaces; tests/diff/test_diff_net.py compares them in a namespace made for it)."""
from diffagents import OMIT
from diffshape import same_json

STATISTICS = ("rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
              "tx-bytes", "tx-packets", "tx-errs", "tx-dropped")


def check_interfaces(sga, qga, sent, pair):
    """Names, hardware and IP addresses and prefixes equal; statistics present alike, each
    counter read by streamga first, so not above qemu-ga's (traffic goes on)."""
    def without_stats(ifaces):
        return [{k: v for k, v in i.items() if k != "statistics"} for i in ifaces]

    assert same_json(without_stats(sga), without_stats(qga)), (sga, qga)
    for s, q in zip(sga, qga):
        assert ("statistics" in s) == ("statistics" in q), (s, q)
        if "statistics" in s:
            assert set(s["statistics"]) == set(STATISTICS), s
            for key in STATISTICS:
                assert 0 <= s["statistics"][key] <= q["statistics"][key], (key, s, q)


COMMANDS = {
    "guest-network-get-interfaces": (OMIT, check_interfaces),
}

NEWER_THAN_ORACLE = {
    "guest-network-get-route": "9.1",
}
