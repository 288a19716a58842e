/* signals-win32.h: the service's stop request, delivered like Ctrl-C. */
#ifndef SGA_AGENT_SIGNALS_WIN32_H
#define SGA_AGENT_SIGNALS_WIN32_H

/* Ask the agent to quit, from any thread (the service control handler's). A
 * request made before sga_signals_install() is kept and delivered then. */
void sga_signals_request_quit(void);

#endif
