"""A fake system tree for --system-root: files written under it, and the actions the agent recorded there."""
import os

# Where an agent under a fake root writes what it would have done to a real
# system (signals, reboot(2), clock settings): src/platform/posix/action-record.c.
ACTIONS_FILE = "streamga-actions"


class SystemTree:
    """The root directory path, created with the given subdirectories."""

    def __init__(self, path, dirs=()):
        self.path = str(path)
        for d in dirs:
            os.makedirs(os.path.join(self.path, d), exist_ok=True)

    def file(self, rel, content="", mode=None):
        """Write rel (an absolute system path) under the root; returns the real path."""
        path = os.path.join(self.path, rel.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def actions(self):
        """The agent's recorded actions, one per line (none yet: [])."""
        try:
            with open(os.path.join(self.path, ACTIONS_FILE)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []
