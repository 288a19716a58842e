"""--file-read-count: what guest-file-read without a count reads."""
import subprocess

import pytest

from fileclient import MIB, READ_COUNT_MAX, FileClient

CONTENT = bytes(range(256)) * 1024       # 256 KiB


@pytest.mark.parametrize("option,count", [("10", 10), ("64K", 64 * 1024), ("1M", MIB),
                                          ("48M", READ_COUNT_MAX)])
def test_read_count_option(file_agent_factory, data_dir, option, count):
    path = data_dir / "f"
    path.write_bytes(CONTENT)
    agent = file_agent_factory("--file-read-count=" + option)
    with agent.connect() as conn:
        fc = FileClient(conn)
        h = fc.open(path)
        data, eof = fc.read(h)
        assert data == CONTENT[:count] and eof is (count > len(CONTENT))
        # An explicit count still wins.
        rest = CONTENT[len(data):len(data) + 3]
        assert fc.read(h, 3) == (rest, len(rest) < 3)
        fc.close(h)


def test_read_count_option_in_the_config_file(file_agent_factory, data_dir, tmp_path):
    conf = tmp_path / "agent.conf"
    conf.write_text("[streamga]\nfile-read-count=100\n")
    path = data_dir / "f"
    path.write_bytes(CONTENT)
    agent = file_agent_factory(env={"QGA_CONF": str(conf)})
    with agent.connect() as conn:
        fc = FileClient(conn)
        h = fc.open(path)
        assert fc.read(h) == (CONTENT[:100], False)
        fc.close(h)


def test_default_without_the_option(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(CONTENT)
    h = fc.open(path)
    assert fc.read(h) == (CONTENT[:4096], False)
    fc.close(h)


@pytest.mark.parametrize("value", ["0", "48M1", "49M", "-1", "x", "", "1T"])
def test_bad_read_count_option_is_refused(agent_binary, tmp_path, value):
    """The agent does not start with a count guest-file-read itself would refuse."""
    r = subprocess.run([agent_binary, "-m", "unix-listen", "-p", str(tmp_path / "s"),
                        "-t", str(tmp_path), "--file-read-count=" + value],
                       capture_output=True, timeout=30,
                       env={"QGA_CONF": str(tmp_path / "none.conf")})
    assert r.returncode != 0
    assert b"file-read-count" in r.stderr, r.stderr
