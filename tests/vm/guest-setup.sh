# guest-setup.sh: the test guest's set-up, sourced by init.sh (PID 1 a shell) and
# by rcS (under busybox init): mounts, modules, the agent's port link, hostname.
# Everything goes to the serial console; lines starting with SGA- are for the
# harness. Configuration comes from /etc/sga/, written by guestvm.py.

/bin/busybox --install -s /bin
export PATH=/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm /dev/virtio-ports /run /tmp /var/run /var/lib /var/log
hostname "$(cat /etc/sga/hostname)"

# Dependencies first; the list is computed on the host from each module's .modinfo.
while read -r ko; do
    insmod "$ko" || echo "SGA-INSMOD-FAILED $ko"
done </etc/sga/modules

# udev normally creates /dev/virtio-ports/<name>; there is no udev here, so
# link every named port the driver exposes in sysfs ourselves.
port=/dev/virtio-ports/org.qemu.guest_agent.0
i=0
while [ ! -e "$port" ] && [ $i -lt 100 ]; do
    for p in /sys/class/virtio-ports/*; do
        [ -r "$p/name" ] && [ -e "/dev/${p##*/}" ] &&
            ln -sf "../${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
    done
    [ -e "$port" ] || sleep 0.1
    i=$((i + 1))
done
[ -e "$port" ] ||
    echo "SGA-NO-PORT $port did not appear in 10 s; ports: $(ls /sys/class/virtio-ports 2>&1)"

# Hook for tests (e.g. mount a disk before fsfreeze tests, configure a NIC).
[ -f /etc/sga/pre-agent.sh ] && . /etc/sga/pre-agent.sh
