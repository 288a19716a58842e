/* table.c: the one declarative command table: name, handler, arguments, flags, platforms. */
#include "commands.h"

const SgaCommand sga_command_table[] = {
    /* control: the protocol's own commands, always safe while frozen */
    { "guest-sync-delimited", sga_cmd_guest_sync_delimited, &sga_sync_args,
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_ALL },
    { "guest-sync", sga_cmd_guest_sync, &sga_sync_args,
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_ALL },
    { "guest-ping", sga_cmd_guest_ping, NULL,
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_ALL },
    { "guest-info", sga_cmd_guest_info, NULL,
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_ALL },

    /* system */
    { "guest-get-time", sga_cmd_guest_get_time, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-get-host-name", sga_cmd_guest_get_host_name, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-get-timezone", sga_cmd_guest_get_timezone, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-get-osinfo", sga_cmd_guest_get_osinfo, NULL, 0, SGA_PLATFORM_ALL },

    /* exec */
    { "guest-exec", sga_cmd_guest_exec, &sga_exec_args, 0, SGA_PLATFORM_ALL },
    { "guest-exec-status", sga_cmd_guest_exec_status, &sga_exec_status_args, 0, SGA_PLATFORM_ALL },

    /* files (file.c) */

    /* power: shutdown and suspend (power.c, suspend.c) */

    /* clock (clock.c) */

    /* users, passwords, ssh keys (users.c, ssh.c) */

    /* filesystems and disks (fs.c, fsfreeze.c, fstrim.c, diskstats) */

    /* processors and memory (hw.c), statistics (stats.c) */

    /* network (net.c) */

    /* streamga's extensions, named by QAPI's rule for downstream additions */
    { "__org.streamga_guest-exec-kill", sga_cmd_exec_kill, &sga_exec_kill_args, 0, SGA_PLATFORM_ALL },
    { "__org.streamga_guest-exec-input", sga_cmd_exec_input, &sga_exec_input_args, 0,
      SGA_PLATFORM_ALL },
};

const size_t sga_command_table_size = G_N_ELEMENTS(sga_command_table);
