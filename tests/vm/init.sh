#!/bin/busybox sh
# PID 1 of the test guest in GuestVM's default mode (init="shell"): the set-up,
# then the agent as its child, so its exit status can be reported.

. /etc/sga/setup.sh

. /etc/sga/agent.cmd &
agent=$!
echo "SGA-AGENT-STARTED pid=$agent"
/etc/sga/monitor.sh "$agent" &

wait $agent
echo "SGA-AGENT-EXITED status=$?"
# PID 1 must never exit: that panics the kernel.
while :; do sleep 3600; done
