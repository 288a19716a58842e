/* agent.h: the running agent: start-up, the main loop, and shutdown. */
#ifndef SGA_AGENT_H
#define SGA_AGENT_H

#include "config.h"

/* Run the agent with a finalized configuration until SIGTERM/SIGINT (returns 0)
 * or a failure it cannot recover from (returns 1). activation_fd is a listening
 * socket from systemd, or -1. */
int sga_agent_run(SgaConfig *cfg, int activation_fd);

#endif
