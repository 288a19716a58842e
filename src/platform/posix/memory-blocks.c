/* memory-blocks.c: memory blocks from Linux sysfs (/sys/devices/system/memory/memoryN/state). */
#include "memory-blocks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define MEMORY_DIR "/sys/devices/system/memory/"
#define BLOCK_PREFIX "memory"
/* Bytes of a state file that are read: "online", "offline", "going-offline". */
#define STATE_READ_MAX 10
/* Bytes of block_size_bytes that are read: a hex number of up to 64 bits and more. */
#define BLOCK_SIZE_READ_MAX 20

/* A block's directory as qemu-ga names it in messages: the index printed signed. */
static char *block_dir_path(uint64_t phys_index)
{
    return g_strdup_printf(MEMORY_DIR BLOCK_PREFIX "%" PRId64 "/", (int64_t)phys_index);
}

/* A block's directory; -1 with *err and error set when it cannot be opened. */
static int block_dir_open(uint64_t phys_index, int *err, GError **error)
{
    g_autofree char *dirpath = block_dir_path(phys_index);
    g_autofree char *real = sga_sysroot_path(dirpath);
    int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        *err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", dirpath, g_strerror(*err));
    }
    return fd;
}

/* Read up to size bytes of a file in dirfd. On failure error says why in
 * qemu-ga's words and *err is the errno behind it (0 for an empty file). */
static bool sysfs_read(int dirfd, const char *name, char *buf, size_t size, int *err, GError **error)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        *err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open sysfs file \"%s\": %s", name,
                    g_strerror(*err));
        return false;
    }
    n = pread(fd, buf, size, 0);
    if (n < 0) {
        *err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "pread sysfs file \"%s\": %s", name,
                    g_strerror(*err));
    } else if (n == 0) {
        *err = 0;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "pread sysfs file \"%s\": unexpected EOF",
                    name);
    }
    close(fd);
    return n > 0;
}

/* Replace a sysfs attribute's value; false with *err set on failure. O_TRUNC
 * is what a shell's "echo online > state" does: sysfs ignores it, and a test's
 * fake file then holds exactly the new value. */
static bool sysfs_write(int dirfd, const char *name, const char *value, int *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);
    bool ok;

    if (fd < 0) {
        *err = errno;
        return false;
    }
    ok = pwrite(fd, value, strlen(value), 0) >= 0;
    if (!ok) {
        *err = errno;
    }
    close(fd);
    return ok;
}

static bool state_is_online(const char *state)
{
    return strncmp(state, "online", 6) == 0;
}

static bool block_read(SgaMemoryBlock *block, GError **error)
{
    char state[STATE_READ_MAX + 1] = { 0 };
    char removable = '0';
    GError *local = NULL;
    int err;
    int dirfd = block_dir_open(block->phys_index, &err, error);
    bool ok = true;

    if (dirfd < 0) {
        return false;
    }
    if (!sysfs_read(dirfd, "state", state, STATE_READ_MAX, &err, &local)) {
        /* Kernels without a state file cannot take blocks offline. */
        if (err == ENOENT) {
            g_clear_error(&local);
            block->online = true;
            block->can_offline = false;
        } else {
            g_propagate_error(error, local);
            ok = false;
        }
    } else {
        block->online = state_is_online(state);
        if (sysfs_read(dirfd, "removable", &removable, 1, &err, &local)) {
            block->can_offline = removable != '0';
        } else if (err == ENOENT) {
            g_clear_error(&local);
            block->can_offline = false;
        } else {
            g_propagate_error(error, local);
            ok = false;
        }
    }
    close(dirfd);
    return ok;
}

GArray *sga_memory_blocks_list(GError **error)
{
    g_autofree char *real = sga_sysroot_path(MEMORY_DIR);
    GArray *blocks;
    struct dirent *entry;
    DIR *dir = opendir(real);

    if (!dir) {
        int err = errno;
        /* No memory directory: a system without memory hotplug has no blocks. */
        if (err == ENOENT) {
            return g_array_new(FALSE, TRUE, sizeof(SgaMemoryBlock));
        }
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Can't open directory\"%s\": %s", MEMORY_DIR,
                    g_strerror(err));
        return NULL;
    }
    blocks = g_array_new(FALSE, TRUE, sizeof(SgaMemoryBlock));
    while ((entry = readdir(dir)) != NULL) {
        SgaMemoryBlock block = { 0 };
        /* qemu-ga's test, bit for bit: file types without the DT_DIR bit are skipped. */
        if (strncmp(entry->d_name, BLOCK_PREFIX, strlen(BLOCK_PREFIX)) != 0 ||
            !(entry->d_type & DT_DIR)) {
            continue;
        }
        block.phys_index = strtoull(entry->d_name + strlen(BLOCK_PREFIX), NULL, 10);
        if (!block_read(&block, error)) {
            g_array_unref(blocks);
            closedir(dir);
            return NULL;
        }
        g_array_append_val(blocks, block);
    }
    closedir(dir);
    if (blocks->len == 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "guest reported zero memory blocks!");
        g_array_unref(blocks);
        return NULL;
    }
    return blocks;
}

/* The outcome with the errno qemu-ga puts beside it. */
static SgaMemoryBlockResult result_with_errno(SgaMemoryBlockResponse response, int err)
{
    SgaMemoryBlockResult result = { .response = response, .has_error_code = true, .error_code = err };

    return result;
}

SgaMemoryBlockResult sga_memory_block_set_online(uint64_t phys_index, bool online)
{
    SgaMemoryBlockResult result = { .response = SGA_MEMORY_BLOCK_SUCCESS };
    char state[STATE_READ_MAX + 1] = { 0 };
    g_autofree char *real = sga_sysroot_path(MEMORY_DIR);
    g_autoptr(GError) ignored = NULL;
    DIR *dir = opendir(real);
    int dirfd;
    int err;

    if (!dir) {
        err = errno;
        /* qemu-ga: no memory directory means no support; any other failure
         * leaves the response "success", with the errno beside it. */
        return result_with_errno(err == ENOENT ? SGA_MEMORY_BLOCK_NOT_SUPPORTED
                                               : SGA_MEMORY_BLOCK_SUCCESS, err);
    }
    closedir(dir);

    dirfd = block_dir_open(phys_index, &err, &ignored);
    if (dirfd < 0) {
        return result_with_errno(err == ENOENT ? SGA_MEMORY_BLOCK_NOT_FOUND
                                               : SGA_MEMORY_BLOCK_FAILED, err);
    }
    if (!sysfs_read(dirfd, "state", state, STATE_READ_MAX, &err, &ignored)) {
        /* Without a state file a block is online for good: onlining it
         * "succeeds" (still with the errno, as in qemu-ga), offlining cannot. */
        if (err == ENOENT) {
            result = result_with_errno(online ? SGA_MEMORY_BLOCK_SUCCESS
                                              : SGA_MEMORY_BLOCK_NOT_SUPPORTED, err);
        } else {
            result = result_with_errno(SGA_MEMORY_BLOCK_FAILED, err);
        }
    } else if (state_is_online(state) != online) {
        if (!sysfs_write(dirfd, "state", online ? "online" : "offline", &err)) {
            result = result_with_errno(SGA_MEMORY_BLOCK_FAILED, err);
        }
    }
    close(dirfd);
    return result;
}

bool sga_memory_block_size(uint64_t *size, GError **error)
{
    g_autofree char *real = sga_sysroot_path(MEMORY_DIR);
    char text[BLOCK_SIZE_READ_MAX + 1] = { 0 };
    int dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok;
    int err;

    if (dirfd < 0) {
        err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", MEMORY_DIR, g_strerror(err));
        return false;
    }
    ok = sysfs_read(dirfd, "block_size_bytes", text, BLOCK_SIZE_READ_MAX, &err, error);
    close(dirfd);
    if (ok) {
        /* Hex without "0x"; read as qemu-ga does (strtol: a signed long). */
        *size = (uint64_t)g_ascii_strtoll(text, NULL, 16);
    }
    return ok;
}
