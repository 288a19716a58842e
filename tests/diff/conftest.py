"""Fixtures of the differential suite: a streamga/qemu-ga pair per module, fresh pairs on demand."""
import pytest

from diffagents import AgentPair


class _SharedPair:
    """One pair reused by a module's well-formed cases; replaced when a test left it unclean."""

    def __init__(self, streamga_binary, qemu_ga_binary, tmp_path_factory):
        self.binaries = (streamga_binary, qemu_ga_binary)
        self.tmp_path_factory = tmp_path_factory
        self.pair = None
        self.problems = []

    def get(self):
        if self.pair is not None and (self.pair.dirty or not self.pair.alive()):
            self._retire()
        if self.pair is None:
            self.pair = AgentPair(*self.binaries, self.tmp_path_factory.mktemp("pair")).start()
        return self.pair

    def _retire(self):
        problem = self.pair.stop()
        if problem:
            self.problems.append(problem)
        self.pair = None

    def close(self):
        if self.pair is not None:
            self._retire()


@pytest.fixture(scope="module")
def _shared_pair(agent_binary, qemu_ga_binary, tmp_path_factory):
    shared = _SharedPair(agent_binary, qemu_ga_binary, tmp_path_factory)
    yield shared
    shared.close()
    assert not shared.problems, "\n".join(shared.problems)


@pytest.fixture
def pair(_shared_pair):
    """A running pair with default options, shared within the module."""
    return _shared_pair.get()


@pytest.fixture
def make_pair(agent_binary, qemu_ga_binary, tmp_path):
    """Factory for fresh pairs (extra options, or one pair per hostile case)."""
    pairs = []

    def make(*extra_args):
        p = AgentPair(agent_binary, qemu_ga_binary, tmp_path / ("pair%d" % len(pairs)),
                      extra_args).start()
        pairs.append(p)
        return p

    yield make
    problems = [p.stop() for p in pairs]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
