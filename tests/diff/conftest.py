"""Fixtures of the differential suite: a streamga/qemu-ga pair per module, fresh pairs on demand."""
import pytest

from diffagents import AgentPair


class _SharedPair:
    """One pair reused by a module's well-formed cases; replaced when a test left it unclean."""

    def __init__(self, streamga_binary, qemu_ga_binary, tmp_path_factory, streamga_args=()):
        self.binaries = (streamga_binary, qemu_ga_binary)
        self.tmp_path_factory = tmp_path_factory
        self.streamga_args = tuple(streamga_args)
        self.pair = None
        self.problems = []

    def get(self):
        if self.pair is not None and (self.pair.dirty or not self.pair.alive()):
            self._retire()
        if self.pair is None:
            self.pair = AgentPair(*self.binaries, self.tmp_path_factory.mktemp("pair"),
                                  streamga_args=self.streamga_args).start()
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


@pytest.fixture(scope="module")
def _shared_at_exit_pair(agent_binary, qemu_ga_binary, tmp_path_factory):
    shared = _SharedPair(agent_binary, qemu_ga_binary, tmp_path_factory,
                         streamga_args=("--exec-output=at-exit",))
    yield shared
    shared.close()
    assert not shared.problems, "\n".join(shared.problems)


@pytest.fixture
def pair(_shared_pair):
    """A running pair with default options, shared within the module."""
    return _shared_pair.get()


@pytest.fixture
def at_exit_pair(_shared_at_exit_pair):
    """A running pair whose streamga runs with --exec-output=at-exit (qemu-ga 7.2's
    guest-exec output), shared within the module."""
    return _shared_at_exit_pair.get()


@pytest.fixture
def make_pair(agent_binary, qemu_ga_binary, tmp_path):
    """Factory for fresh pairs (extra options, or one pair per hostile case);
    streamga_args go to streamga only."""
    pairs = []

    def make(*extra_args, streamga_args=()):
        p = AgentPair(agent_binary, qemu_ga_binary, tmp_path / ("pair%d" % len(pairs)),
                      extra_args, streamga_args).start()
        pairs.append(p)
        return p

    yield make
    problems = [p.stop() for p in pairs]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
