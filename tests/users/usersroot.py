"""A fake system tree for --system-root: /etc files, homes, utmp, with owners and modes."""
import os


class UsersRoot:
    """A system tree for --system-root."""

    def __init__(self, path):
        self.path = str(path)
        os.makedirs(os.path.join(self.path, "etc"))

    def real(self, rel):
        return os.path.join(self.path, rel.lstrip("/"))

    def write(self, rel, content, mode=0o644, uid=0, gid=0):
        path = self.real(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
        os.chmod(path, mode)
        os.chown(path, uid, gid)
        return path

    def read(self, rel):
        with open(self.real(rel), "rb") as f:
            return f.read()

    def exists(self, rel):
        return os.path.lexists(self.real(rel))

    def utmp(self, records):
        self.write("/var/run/utmp", b"".join(records))
