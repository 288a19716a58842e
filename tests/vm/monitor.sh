#!/bin/sh
# monitor.sh: the agent's CPU use on the console once a second (SGA-CPU lines).
#   monitor.sh PID   follow that process until it is gone (init.sh, which
#                    reports the exit itself)
#   monitor.sh       follow whichever streamga runs as a child of PID 1 (busybox
#                    init: the LSB script daemonises it, an inittab respawn line
#                    restarts it), announcing each with SGA-AGENT-STARTED pid=N
#                    and its end with SGA-AGENT-EXITED pid=N

# utime+stime in clock ticks (fields 14 and 15 of /proc/PID/stat, counted
# after "pid (comm) " since comm may hold spaces), then context switches
# summed over its threads, i.e. roughly its wakeups.
cpu_sample() {
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    # shellcheck disable=SC2086  # the fields, split on purpose
    set -- "$1" $s
    w=$(cat "/proc/$1"/task/*/status 2>/dev/null |
        awk '/ctxt_switches/ { n += $2 } END { print n + 0 }')
    echo "SGA-CPU $1 $((${13} + ${14})) $w"
}

# The agent: a streamga whose parent is PID 1. Its guest-exec children are
# its own, and the LSB script's first process (before -d detaches) is the
# script's; neither counts.
agent_pid() {
    for p in $(pidof streamga); do
        s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        s=${s##*) }
        # shellcheck disable=SC2086
        set -- $s
        [ "$2" = 1 ] && { echo "$p"; return 0; }
    done
    return 1
}

if [ -n "$1" ]; then
    while cpu_sample "$1"; do sleep 1; done
    exit 0
fi

agent=
while :; do
    pid=$(agent_pid)
    if [ "$pid" != "$agent" ]; then
        [ -n "$agent" ] && echo "SGA-AGENT-EXITED pid=$agent"
        [ -n "$pid" ] && echo "SGA-AGENT-STARTED pid=$pid"
        agent=$pid
    fi
    if [ -n "$agent" ]; then
        cpu_sample "$agent"
        sleep 1
    else
        sleep 0.1   # waiting for the agent: notice it soon
    fi
done
