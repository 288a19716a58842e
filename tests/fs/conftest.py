"""Fixtures of the filesystem suite: agents under a fake system root, mount-namespace holders."""
import pytest

from fsenv import FsAgents


@pytest.fixture
def fs_agents(agent_binary, tmp_path):
    agents = FsAgents(agent_binary, tmp_path)
    yield agents
    problems = agents.stop_all()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def freeze_env(tmp_path_factory):
    """The mount namespace with the test filesystems (freezeenv.py), one per module."""
    from freezeenv import FreezeEnv

    env = FreezeEnv(tmp_path_factory.mktemp("freeze"))
    yield env
    env.close()


@pytest.fixture
def env(freeze_env, fs_agents):
    """freeze_env for one test: the default mount table; afterwards every agent is
    stopped (an agent thaws on exit) and nothing may be left frozen."""
    freeze_env.set_mounts(["/mnt/ext4", "/mnt/tmpfs", "/mnt/ext4-bind"])
    yield freeze_env
    problems = fs_agents.stop_all()
    leftover = freeze_env.holder.thaw_all()
    assert not problems, "\n".join(problems)
    assert not any(leftover.values()), "left frozen after the test: %r" % leftover
