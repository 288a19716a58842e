/* program-run.c: fork, exec and wait for a helper program, collecting what it prints. */
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sga-error.h"

/* Without a pidfd (kernels before 5.3) the end of a program that closed its
 * output early is noticed by polling this often. */
#define PROGRAM_EXIT_POLL_MS 100

/* In the child, before exec: async-signal-safe calls only. */
static void program_child(const char *path, const char *arg, int out_fd)
{
    sigset_t none;
    int null_fd = open("/dev/null", O_RDONLY);

    setsid();
    if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(out_fd, STDERR_FILENO) < 0) {
        _exit(EXIT_FAILURE);
    }
    /* Undo what the agent set for itself: blocked and ignored signals (SIGPIPE)
     * would otherwise carry over exec. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL);
    }
    close_range(STDERR_FILENO + 1, ~0U, 0);
    execl(path, path, arg, (char *)NULL);
    _exit(EXIT_FAILURE);
}

/* Read what is there; false once the pipe is at its end (or broken). */
static bool program_output_read(int fd, GString *output)
{
    char buf[4096];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            gsize room = output->len < SGA_PROGRAM_OUTPUT_MAX ? SGA_PROGRAM_OUTPUT_MAX - output->len : 0;
            g_string_append_len(output, buf, MIN((gsize)n, room));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n < 0 && errno == EAGAIN;
    }
}

/* Wait for pid to end while collecting its output from out_fd. */
static bool program_wait(pid_t pid, int out_fd, GString *output, int *wait_status, GError **error)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    bool reading = true;
    pid_t r;

    for (;;) {
        struct pollfd fds[2];
        nfds_t n = 0;

        do {
            r = waitpid(pid, wait_status, WNOHANG);
        } while (r < 0 && errno == EINTR);
        if (r != 0) {
            break;
        }
        if (reading) {
            fds[n++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
        }
        if (pidfd >= 0) {
            fds[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        }
        if (poll(fds, n, pidfd >= 0 ? -1 : PROGRAM_EXIT_POLL_MS) < 0 && errno != EINTR) {
            break;      /* cannot happen with valid fds; waitpid below decides */
        }
        if (reading && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            reading = program_output_read(out_fd, output);
        }
    }
    if (r == 0) {
        do {
            r = waitpid(pid, wait_status, 0);
        } while (r < 0 && errno == EINTR);
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    if (r < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to wait for child (pid: %d): %s",
                    (int)pid, g_strerror(errno));
        return false;
    }
    /* What it wrote just before ending; a process it left behind holding the
     * pipe is not waited for. */
    if (reading) {
        program_output_read(out_fd, output);
    }
    return true;
}

bool sga_program_run(const char *path, const char *arg, GString *output, SgaProgramStatus *status,
                     GError **error)
{
    int fds[2];
    int wait_status;
    pid_t pid;
    bool ok;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to create child process: %s",
                    g_strerror(errno));
        return false;
    }
    pid = fork();
    if (pid == 0) {
        program_child(path, arg, fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to create child process: %s",
                    g_strerror(e));
        return false;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ok = program_wait(pid, fds[0], output, &wait_status, error);
    close(fds[0]);
    if (ok) {
        status->exited = WIFEXITED(wait_status);
        status->code = status->exited ? WEXITSTATUS(wait_status) : -1;
        status->signo = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    }
    return ok;
}
