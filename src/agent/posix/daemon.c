/* daemon.c: fork, setsid, and a readiness pipe back to the waiting parent. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sga-error.h"

static int ready_fd = -1;

static void fd_to_dev_null(int fd)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null >= 0) {
        dup2(null, fd);
        if (null != fd) {
            close(null);
        }
    }
}

bool sga_daemon_start(int *parent_status, GError **error)
{
    int pipefd[2];
    pid_t pid;
    char byte;
    ssize_t n;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to daemonize: %s", g_strerror(errno));
        *parent_status = 1;
        return false;
    }
    pid = fork();
    if (pid < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to daemonize: %s", g_strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        *parent_status = 1;
        return false;
    }
    if (pid == 0) {
        close(pipefd[0]);
        ready_fd = pipefd[1];
        setsid();
        umask(S_IRWXG | S_IRWXO);
        if (chdir("/") < 0) {
            /* / always exists; nothing sensible to do otherwise */
        }
        fd_to_dev_null(STDIN_FILENO);
        return true;
    }

    close(pipefd[1]);
    do {
        n = read(pipefd[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == 1) {
        *parent_status = 0;
    } else {
        int status;
        waitpid(pid, &status, 0);
        *parent_status = 1;
    }
    return false;
}

void sga_daemon_ready(void)
{
    char byte = 1;

    if (ready_fd < 0) {
        return;
    }
    if (write(ready_fd, &byte, 1) < 0) {
        /* the parent is gone: nobody to tell */
    }
    close(ready_fd);
    ready_fd = -1;
    fd_to_dev_null(STDOUT_FILENO);
    fd_to_dev_null(STDERR_FILENO);
}

void sga_daemon_exit(int status)
{
}
