/* paths.h: the agent's default file locations where they are only known at run time (Windows). */
#ifndef SGA_AGENT_PATHS_H
#define SGA_AGENT_PATHS_H

/* <directory of streamga.exe>\qemu-ga.conf, as qemu-ga looks beside itself. */
const char *sga_paths_config_file(void);
/* <directory of streamga.exe>\fsfreeze-hook (unused: no freeze on Windows yet). */
const char *sga_paths_fsfreeze_hook(void);
/* %ProgramData%\streamga: qga.state and the pidfile. */
const char *sga_paths_state_dir(void);
/* <state dir>\streamga.pid */
const char *sga_paths_pidfile(void);

#endif
