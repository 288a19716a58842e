"""Differential cases of the system family: guest-get-users; the destructive commands are tested elsewhere."""
from diffagents import OMIT
from diffshape import same_json


def check_users(sga, qga, sent, pair):
    """Both read the machine's utmp (often absent: []); with logins, the same list."""
    assert isinstance(sga, list), sga
    assert same_json(sga, qga), (sga, qga)


COMMANDS = {
    "guest-get-users": (OMIT, check_users),
}

# Never sent with valid arguments to this machine's agents: they would shut it
# down, set its clock, or change its users' passwords and keys. Their argument
# errors are compared in test_diff_system.py; their effects on fake trees, in
# namespaces, and in the VM are tested where listed.
NOT_DIFFERENTIAL = {
    "guest-shutdown": "tests/power (fake /proc/1 under --system-root; real signals, FIFOs, "
                      "shutdown binary and reboot(2) in PID namespaces), tests/vm/test_virtio_power.py",
    "guest-set-time": "tests/clock (--system-root, the RTC as a regular file), "
                      "tests/vm/test_virtio_clock.py (a real RTC)",
    "guest-set-user-password": "tests/users/test_set_user_password.py (against chpasswd -R)",
    "guest-ssh-add-authorized-keys": "tests/users/test_ssh_keys.py; against qemu-ga on fake users "
                                     "in mount namespaces in test_diff_system.py",
    "guest-ssh-remove-authorized-keys": "tests/users/test_ssh_keys.py; against qemu-ga on fake "
                                        "users in mount namespaces in test_diff_system.py",
    "guest-ssh-get-authorized-keys": "tests/users/test_ssh_keys.py; against qemu-ga for the "
                                     "machine's users (read only) and fake ones in test_diff_system.py",
}
