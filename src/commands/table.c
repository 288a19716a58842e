/* table.c: the one declarative command table: name, handler, arguments, flags, platforms. */
#include "commands.h"

/* A row whose command family is built only where its platform layer exists
 * (POSIX): the win32 build has neither the handler nor its argument spec, and
 * the row's platform mask leaves WIN32 out, so the registry never enables it. */
#ifdef G_OS_WIN32
#define SGA_POSIX_ONLY(handler, args) NULL, NULL
#else
#define SGA_POSIX_ONLY(handler, args) handler, args
#endif
#define SGA_PLATFORM_POSIX (SGA_PLATFORM_LINUX | SGA_PLATFORM_OTHER_POSIX)

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
    { "guest-file-open", sga_cmd_guest_file_open, &sga_file_open_args, 0, SGA_PLATFORM_ALL },
    { "guest-file-close", sga_cmd_guest_file_close, &sga_file_handle_args, 0, SGA_PLATFORM_ALL },
    { "guest-file-read", sga_cmd_guest_file_read, &sga_file_read_args, 0, SGA_PLATFORM_ALL },
    { "guest-file-write", sga_cmd_guest_file_write, &sga_file_write_args, 0, SGA_PLATFORM_ALL },
    { "guest-file-seek", sga_cmd_guest_file_seek, &sga_file_seek_args, 0, SGA_PLATFORM_ALL },
    { "guest-file-flush", sga_cmd_guest_file_flush, &sga_file_handle_args, 0, SGA_PLATFORM_ALL },

    /* power: shutdown and suspend (power.c, suspend.c) */
    { "guest-shutdown", sga_cmd_guest_shutdown, &sga_shutdown_args,
      SGA_COMMAND_NO_SUCCESS_RESPONSE, SGA_PLATFORM_ALL },
    { "guest-suspend-hybrid", SGA_POSIX_ONLY(sga_cmd_guest_suspend_hybrid, NULL),
      SGA_COMMAND_NO_SUCCESS_RESPONSE, SGA_PLATFORM_LINUX },
    { "guest-suspend-ram", sga_cmd_guest_suspend_ram, NULL,
      SGA_COMMAND_NO_SUCCESS_RESPONSE, SGA_PLATFORM_ALL },
    { "guest-suspend-disk", sga_cmd_guest_suspend_disk, NULL,
      SGA_COMMAND_NO_SUCCESS_RESPONSE, SGA_PLATFORM_ALL },

    /* clock (clock.c) */
    { "guest-set-time", sga_cmd_guest_set_time, &sga_set_time_args, 0, SGA_PLATFORM_ALL },

    /* users, passwords, ssh keys (users.c, ssh.c) */
    { "guest-get-users", sga_cmd_guest_get_users, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-set-user-password", sga_cmd_guest_set_user_password, &sga_set_user_password_args, 0,
      SGA_PLATFORM_ALL },
    { "guest-ssh-get-authorized-keys", SGA_POSIX_ONLY(sga_cmd_guest_ssh_get_authorized_keys, &sga_ssh_get_args),
      0, SGA_PLATFORM_POSIX },
    { "guest-ssh-add-authorized-keys", SGA_POSIX_ONLY(sga_cmd_guest_ssh_add_authorized_keys, &sga_ssh_add_args),
      0, SGA_PLATFORM_POSIX },
    { "guest-ssh-remove-authorized-keys", SGA_POSIX_ONLY(sga_cmd_guest_ssh_remove_authorized_keys, &sga_ssh_remove_args),
      0, SGA_PLATFORM_POSIX },

    /* filesystems and disks (fs.c, fsfreeze.c, fstrim.c, diskstats; Windows: fs-volumes.c, fstrim-volumes.c) */
    { "guest-fsfreeze-status", SGA_POSIX_ONLY(sga_cmd_guest_fsfreeze_status, NULL),
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_POSIX },
    { "guest-fsfreeze-freeze", SGA_POSIX_ONLY(sga_cmd_guest_fsfreeze_freeze, NULL),
      0, SGA_PLATFORM_POSIX },
    { "guest-fsfreeze-freeze-list", SGA_POSIX_ONLY(sga_cmd_guest_fsfreeze_freeze_list, &sga_fsfreeze_list_args),
      0, SGA_PLATFORM_POSIX },
    { "guest-fsfreeze-thaw", SGA_POSIX_ONLY(sga_cmd_guest_fsfreeze_thaw, NULL),
      SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_POSIX },
    { "guest-fstrim", sga_cmd_guest_fstrim, &sga_fstrim_args, 0, SGA_PLATFORM_ALL },
    { "guest-get-disks", sga_cmd_guest_get_disks, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-get-fsinfo", sga_cmd_guest_get_fsinfo, NULL, 0, SGA_PLATFORM_ALL },
    { "guest-get-diskstats", SGA_POSIX_ONLY(sga_cmd_guest_get_diskstats, NULL),
      0, SGA_PLATFORM_LINUX },

    /* processors and memory (hw.c), statistics (stats.c) */
    { "guest-get-memory-block-info", sga_cmd_guest_get_memory_block_info, NULL, 0,
      SGA_PLATFORM_LINUX },
    { "guest-set-memory-blocks", sga_cmd_guest_set_memory_blocks, &sga_set_memory_blocks_args, 0,
      SGA_PLATFORM_LINUX },
    { "guest-get-memory-blocks", sga_cmd_guest_get_memory_blocks, NULL, 0, SGA_PLATFORM_LINUX },
    { "guest-set-vcpus", sga_cmd_guest_set_vcpus, &sga_set_vcpus_args, 0, SGA_PLATFORM_LINUX },
    { "guest-get-vcpus", sga_cmd_guest_get_vcpus, NULL, 0, SGA_PLATFORM_ALL },
    /* Windows drivers only: listed, disabled elsewhere, as in qemu-ga */
    { "guest-get-devices", sga_cmd_guest_get_devices, NULL, 0, SGA_PLATFORM_WIN32 },
    { "guest-get-cpustats", SGA_POSIX_ONLY(sga_cmd_guest_get_cpustats, NULL),
      0, SGA_PLATFORM_LINUX },
    /* QEMU 10.0 */
    { "guest-get-load", SGA_POSIX_ONLY(sga_cmd_guest_get_load, NULL), 0, SGA_PLATFORM_POSIX },

    /* network (net.c) */
    { "guest-network-get-interfaces", sga_cmd_guest_network_get_interfaces, NULL, 0,
      SGA_PLATFORM_ALL },
    /* QEMU 9.1 on Linux; upstream adds a Windows version later */
    { "guest-network-get-route", sga_cmd_guest_network_get_route, NULL, 0,
      SGA_PLATFORM_LINUX | SGA_PLATFORM_WIN32 },

    /* streamga's extensions, named by QAPI's rule for downstream additions */
    { "__org.streamga_guest-exec-kill", sga_cmd_exec_kill, &sga_exec_kill_args, 0, SGA_PLATFORM_ALL },
    { "__org.streamga_guest-exec-input", sga_cmd_exec_input, &sga_exec_input_args, 0,
      SGA_PLATFORM_ALL },
};

const size_t sga_command_table_size = G_N_ELEMENTS(sga_command_table);
