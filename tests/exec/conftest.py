"""Fixtures of the exec suites: a streamga whose RSS means something, and an exec client on it."""
import pytest

from agentproc import AgentProcess, stop_all_cleanly
from execclient import ExecClient
from procinfo import lean_sanitizer_env


@pytest.fixture
def exec_agent_factory(agent_binary, build_dir, tmp_path):
    """Start streamgas with extra options; each must exit cleanly on SIGTERM
    (sanitizer reports end there). lean=True turns ASan's quarantine off so that
    RSS measures the agent; otherwise it stays on, to catch use after free."""
    procs = []

    def make(*extra_args, env=None, lean=False):
        full_env = dict(lean_sanitizer_env(build_dir)) if lean else {}
        full_env.update(env or {})
        proc = AgentProcess(agent_binary, tmp_path / ("agent%d" % len(procs)),
                            extra_args=extra_args, env=full_env)
        procs.append(proc)
        return proc.start()

    yield make
    stop_all_cleanly(procs)


@pytest.fixture
def exec_agent(exec_agent_factory):
    """A running streamga (unix-listen, default options)."""
    return exec_agent_factory()


@pytest.fixture
def ex(exec_agent):
    """An ExecClient connected to exec_agent."""
    with exec_agent.connect() as conn:
        yield ExecClient(conn)


@pytest.fixture
def qemu_ga_agent(qemu_ga_binary, tmp_path):
    """Debian's qemu-ga on a unix socket: the reference for error texts and PATH search."""
    proc = AgentProcess(qemu_ga_binary, tmp_path / "qemu-ga").start()
    yield proc
    proc.stop()
