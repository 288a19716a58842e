/* child.c: guest-exec children on POSIX: vfork (or glib's spawn), our pipes, SIGCHLD reaping. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-source.h"
#include "out-queue.h"
#include "sga-error.h"
#include "signal-watch.h"

typedef struct {
    int fd;                 /* -1 when not captured or closed */
    GSource *source;
} ChildPipe;

struct SgaChild {
    GPid pid;
    SgaChildEvents events;
    void *opaque;
    ChildPipe out[2];       /* indexed by SgaChildStream */
    bool captured[2];
    int stdin_fd;
    GSource *stdin_source;
    SgaOutQueue stdin_queue;
    bool stdin_closing;     /* close once the queue is written */
    bool reaped;
    int wait_status;
};

/* Children still to be reaped: those in use, and those freed while running. */
static GPtrArray *live_children;    /* of SgaChild * */
static GArray *orphan_pids;         /* of GPid */
static SgaSignalWatch *sigchld_watch;
static struct rlimit original_fd_limit = { RLIM_INFINITY, RLIM_INFINITY };
static bool fd_limit_raised;

void sga_child_save_fd_limit(void)
{
    struct rlimit lim;

    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        original_fd_limit = lim;
        lim.rlim_cur = lim.rlim_max;
        fd_limit_raised = setrlimit(RLIMIT_NOFILE, &lim) == 0;
    }
}

/* In the child, between fork and exec: undo what the agent changed for itself. */
static void child_setup(gpointer unused)
{
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Handlers are reset by exec, but ignored signals (SIGPIPE) stay ignored. */
    for (int sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL);
    }
    /* Its own process group, so a kill or timeout reaches what it starts too. */
    setpgid(0, 0);
    if (fd_limit_raised) {
        setrlimit(RLIMIT_NOFILE, &original_fd_limit);
    }
}

static bool child_try_reap(SgaChild *c)
{
    int status;
    pid_t r;

    if (c->reaped) {
        return true;
    }
    do {
        r = waitpid(c->pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == c->pid) {
        c->reaped = true;
        c->wait_status = status;
        g_ptr_array_remove_fast(live_children, c);
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        /* Reaped by someone else (cannot happen unless another waitpid(-1)
         * exists): report it ended, without a status. */
        c->reaped = true;
        c->wait_status = 0;
        g_ptr_array_remove_fast(live_children, c);
        return true;
    }
    return false;
}

static void children_sigchld(gpointer unused)
{
    /* A snapshot: exited callbacks may free children. */
    g_autoptr(GPtrArray) snapshot = g_ptr_array_copy(live_children, NULL, NULL);

    for (guint i = 0; i < snapshot->len; i++) {
        SgaChild *c = g_ptr_array_index(snapshot, i);
        if (child_try_reap(c) && c->events.exited) {
            c->events.exited(c->opaque);
        }
    }
    for (guint i = 0; i < orphan_pids->len;) {
        GPid pid = g_array_index(orphan_pids, GPid, i);
        if (waitpid(pid, NULL, WNOHANG) != 0) {
            g_array_remove_index_fast(orphan_pids, i);
        } else {
            i++;
        }
    }
}

static void children_init(void)
{
    if (live_children) {
        return;
    }
    live_children = g_ptr_array_new();
    orphan_pids = g_array_new(FALSE, FALSE, sizeof(GPid));
    sigchld_watch = sga_signal_watch_add(SIGCHLD, children_sigchld, NULL);
}

static gboolean child_output_ready(int fd, GIOCondition revents, gpointer data)
{
    SgaChild *c = data;
    SgaChildStream s = fd == c->out[SGA_CHILD_STDOUT].fd ? SGA_CHILD_STDOUT : SGA_CHILD_STDERR;

    c->events.readable(s, c->opaque);
    return G_SOURCE_CONTINUE;
}

static void child_stdin_finish(SgaChild *c)
{
    sga_fd_source_clear(&c->stdin_source);
    sga_out_queue_clear(&c->stdin_queue);
    if (c->stdin_fd >= 0) {
        close(c->stdin_fd);
        c->stdin_fd = -1;
    }
}

static gboolean child_stdin_ready(int fd, GIOCondition revents, gpointer data)
{
    SgaChild *c = data;

    if (!sga_out_queue_flush(&c->stdin_queue, fd)) {
        child_stdin_finish(c);      /* EPIPE: the child does not read stdin any more */
        return G_SOURCE_CONTINUE;
    }
    if (c->stdin_queue.queued == 0) {
        if (c->stdin_closing) {
            child_stdin_finish(c);
        } else {
            sga_fd_source_set_events(c->stdin_source, 0);
        }
    }
    return G_SOURCE_CONTINUE;
}

/* Only our end becomes non-blocking, later; the child's stays as programs expect. */
static int pipe_cloexec(int fds[2])
{
    return pipe2(fds, O_CLOEXEC);
}

/* The file a name without '/' runs as: the first regular, executable file in
 * the PATH glib would search (env's, else ours, else /bin:/usr/bin:.). NULL
 * when none: the fork path then produces glib's exact error. */
static char *program_resolve(const char *name, const char *const *env)
{
    const char *path = env ? g_environ_getenv((gchar **)env, "PATH") : NULL;

    if (strchr(name, '/')) {
        return g_strdup(name);
    }
    if (!path) {
        path = g_getenv("PATH");
    }
    if (!path) {
        path = "/bin:/usr/bin:.";
    }
    g_auto(GStrv) dirs = g_strsplit(path, ":", -1);
    for (char **d = dirs; *d; d++) {
        char *file = g_build_filename(**d ? *d : ".", name, NULL);
        struct stat st;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0) {
            return file;
        }
        g_free(file);
    }
    return NULL;
}

/* What the vfork()ed child needs, prepared before: between vfork and exec it
 * shares the agent's memory and may only make system calls. */
typedef struct {
    const char *file;
    char *const *argv;
    char *const *envp;
    int in, out, err;       /* -1: /dev/null */
    int null_fd;
    int report_fd;          /* close-on-exec: gets errno if exec fails */
} SpawnPlan;

static G_GNUC_NORETURN void spawn_child_exec(const SpawnPlan *p)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigset_t none;
    int err;

    /* Ignored signals (SIGPIPE) would stay ignored across exec; handlers
     * would point into the agent. The mask stays full until just before exec,
     * so no handler of the agent's runs in this shared memory. */
    for (int sig = 1; sig < NSIG; sig++) {
        sigaction(sig, &dfl, NULL);
    }
    setpgid(0, 0);
    if (fd_limit_raised) {
        setrlimit(RLIMIT_NOFILE, &original_fd_limit);
    }
    if (dup2(p->in >= 0 ? p->in : p->null_fd, 0) < 0 || dup2(p->out >= 0 ? p->out : p->null_fd, 1) < 0 ||
        dup2(p->err >= 0 ? p->err : p->null_fd, 2) < 0) {
        goto failed;
    }
#ifdef CLOSE_RANGE_CLOEXEC
    /* Every agent descriptor is close-on-exec already; this covers any that
     * a library opened without the flag. */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(p->file, p->argv, p->envp);
failed:
    err = errno;
    if (write(p->report_fd, &err, sizeof(err)) < 0) {
        /* nothing left to tell it with */
    }
    _exit(127);
}

/* vfork, and exec in the child. Kept apart so that nothing the caller holds in
 * registers lives across vfork; the caller's signal mask goes to *saved. */
static G_GNUC_NO_INLINE pid_t spawn_plan_run(SpawnPlan *plan, sigset_t *saved)
{
    sigset_t all;
    pid_t pid;

    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, saved);
#ifdef SGA_SANITIZED
    pid = fork();       /* sanitizers do not follow a child that shares memory */
#else
    pid = vfork();
#endif
    if (pid == 0) {
        spawn_child_exec(plan);
    }
    sigprocmask(SIG_SETMASK, saved, NULL);
    return pid;
}

/* The fast way: vfork starts the program without copying the agent's page
 * tables and lets the agent run again only once the program is exec'd, about
 * twice as fast as glib's fork for a short program. It runs a program found
 * beforehand in the PATH glib would search; anything unusual (not found, no
 * #!, an exec error) goes glib's way, for glib's behaviour and messages. */
static bool child_vfork(const SgaChildSpec *spec, char *const *argv, int in, int out, int err,
                        GPid *pid_out)
{
    g_autofree char *file = program_resolve(spec->path, spec->env);
    int report[2] = { -1, -1 };
    SpawnPlan plan;
    sigset_t saved;
    pid_t pid;
    int child_errno = 0;
    ssize_t n;

    if (!file || pipe2(report, O_CLOEXEC) < 0) {
        return false;
    }
    plan = (SpawnPlan){
        .file = file, .argv = argv,
        .envp = spec->env ? (char *const *)spec->env : environ,
        .in = in, .out = out, .err = err,
        .null_fd = open("/dev/null", O_RDWR | O_CLOEXEC), .report_fd = report[1],
    };
    pid = spawn_plan_run(&plan, &saved);
    close(report[1]);
    if (plan.null_fd >= 0) {
        close(plan.null_fd);
    }
    if (pid > 0) {
        do {
            n = read(report[0], &child_errno, sizeof(child_errno));
        } while (n < 0 && errno == EINTR);
        if (n == sizeof(child_errno)) {
            waitpid(pid, NULL, 0);      /* it exited with 127 right away */
            pid = -1;
        }
    }
    close(report[0]);
    if (pid <= 0) {
        return false;
    }
    *pid_out = pid;
    return true;
}

SgaChild *sga_child_spawn(const SgaChildSpec *spec, const SgaChildEvents *events, void *opaque,
                          GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_SEARCH_PATH_FROM_ENVP |
                        G_SPAWN_DO_NOT_REAP_CHILD;
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    int stdout_fd = -1, stderr_fd = -1;
    bool want_out = spec->capture == SGA_CAPTURE_STDOUT || spec->capture == SGA_CAPTURE_SEPARATED ||
                    spec->capture == SGA_CAPTURE_MERGED;
    bool want_err = spec->capture == SGA_CAPTURE_STDERR || spec->capture == SGA_CAPTURE_SEPARATED;
    SgaChild *c;
    GPid pid;
    gboolean ok;

    children_init();
    g_ptr_array_add(argv, (gpointer)spec->path);
    for (const char *const *a = spec->args; a && *a; a++) {
        g_ptr_array_add(argv, (gpointer)*a);
    }
    g_ptr_array_add(argv, NULL);

    if ((spec->stdin_pipe && pipe_cloexec(in) < 0) || (want_out && pipe_cloexec(out) < 0) ||
        (want_err && pipe_cloexec(err) < 0)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot create pipes: %s", g_strerror(errno));
        goto fail;
    }
    if (want_out) {
        stdout_fd = out[1];
    } else {
        flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
    }
    if (want_err) {
        stderr_fd = err[1];
    } else if (spec->capture == SGA_CAPTURE_MERGED) {
        stderr_fd = out[1];     /* one pipe for both: the order of writes is kept */
    } else {
        flags |= G_SPAWN_STDERR_TO_DEV_NULL;
    }

    ok = child_vfork(spec, (char *const *)argv->pdata, in[0], stdout_fd, stderr_fd, &pid);
    if (!ok) {
        /* glib's fork path: PATH search, scripts without #!, and its messages */
        ok = g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, spec->env,
                                              flags, child_setup, NULL, in[0], stdout_fd, stderr_fd,
                                              NULL, NULL, 0, &pid, NULL, NULL, NULL, error);
        if (!ok) {
            goto fail;
        }
        /* Also from this side, so the group exists before anyone signals it. */
        setpgid(pid, pid);
    }

    c = g_new0(SgaChild, 1);
    c->pid = pid;
    c->events = *events;
    c->opaque = opaque;
    c->out[SGA_CHILD_STDOUT].fd = out[0];
    c->out[SGA_CHILD_STDERR].fd = err[0];
    c->captured[SGA_CHILD_STDOUT] = out[0] >= 0;
    c->captured[SGA_CHILD_STDERR] = err[0] >= 0;
    c->stdin_fd = in[1];
    sga_out_queue_init(&c->stdin_queue);
    for (int i = 0; i < 2; i++) {
        if (c->out[i].fd >= 0) {
            fcntl(c->out[i].fd, F_SETFL, O_NONBLOCK);
            c->out[i].source = sga_fd_source_new(c->out[i].fd, G_IO_IN, child_output_ready, c);
        }
    }
    if (c->stdin_fd >= 0) {
        fcntl(c->stdin_fd, F_SETFL, O_NONBLOCK);
        c->stdin_source = sga_fd_source_new(c->stdin_fd, 0, child_stdin_ready, c);
    }
    g_ptr_array_add(live_children, c);
    /* The child's ends belong to it now. */
    for (int *fd = (int[]){ in[0], out[1], err[1] }, i = 0; i < 3; i++) {
        if (fd[i] >= 0) {
            close(fd[i]);
        }
    }
    return c;

fail:
    for (int *fd = (int[]){ in[0], in[1], out[0], out[1], err[0], err[1] }, i = 0; i < 6; i++) {
        if (fd[i] >= 0) {
            close(fd[i]);
        }
    }
    return NULL;
}

int64_t sga_child_pid(const SgaChild *c)
{
    return c->pid;
}

bool sga_child_has_stream(const SgaChild *c, SgaChildStream s)
{
    return c->captured[s];
}

static void child_pipe_close(ChildPipe *p)
{
    sga_fd_source_clear(&p->source);
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

gssize sga_child_read(SgaChild *c, SgaChildStream s, void *buf, size_t len)
{
    ChildPipe *p = &c->out[s];
    ssize_t n;

    if (p->fd < 0) {
        return 0;
    }
    do {
        n = read(p->fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return -1;
    }
    if (n <= 0) {
        child_pipe_close(p);    /* end of output, or a read error: nothing more will come */
        return 0;
    }
    return n;
}

void sga_child_watch_stream(SgaChild *c, SgaChildStream s, bool watch)
{
    if (c->out[s].source) {
        sga_fd_source_set_events(c->out[s].source, watch ? G_IO_IN : 0);
    }
}

bool sga_child_stdin_write(SgaChild *c, const void *data, size_t len)
{
    if (c->stdin_fd < 0 || c->stdin_closing) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    if (!sga_out_queue_send(&c->stdin_queue, c->stdin_fd, g_memdup2(data, len), len)) {
        child_stdin_finish(c);
        return false;
    }
    if (c->stdin_queue.queued) {
        sga_fd_source_set_events(c->stdin_source, G_IO_OUT);
    }
    return true;
}

void sga_child_stdin_close(SgaChild *c)
{
    if (c->stdin_fd < 0) {
        return;
    }
    c->stdin_closing = true;
    if (c->stdin_queue.queued == 0) {
        child_stdin_finish(c);
    }
}

size_t sga_child_stdin_queued(const SgaChild *c)
{
    return c->stdin_queue.queued;
}

bool sga_child_stdin_is_open(const SgaChild *c)
{
    return c->stdin_fd >= 0 && !c->stdin_closing;
}

bool sga_child_reap(SgaChild *c)
{
    return child_try_reap(c);
}

bool sga_child_exit_status(const SgaChild *c, int *exitcode, int *signo)
{
    *exitcode = WIFEXITED(c->wait_status) ? WEXITSTATUS(c->wait_status) : -1;
    *signo = WIFSIGNALED(c->wait_status) ? WTERMSIG(c->wait_status) : -1;
    return WIFSIGNALED(c->wait_status);
}

bool sga_child_signal(SgaChild *c, int signo, GError **error)
{
    /* The group outlives the child while what it started runs; its id cannot be
     * reused while any member is alive, so signalling it is safe. */
    if (kill(-c->pid, signo) == 0) {
        return true;
    }
    if (errno == ESRCH && !c->reaped && kill(c->pid, signo) == 0) {
        return true;    /* it left its group; it is still ours while unreaped */
    }
    if (errno == ESRCH) {
        return true;    /* nothing left to signal */
    }
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot send signal %d to process %d: %s",
                signo, (int)c->pid, g_strerror(errno));
    return false;
}

void sga_child_free(SgaChild *c)
{
    if (!c) {
        return;
    }
    child_pipe_close(&c->out[SGA_CHILD_STDOUT]);
    child_pipe_close(&c->out[SGA_CHILD_STDERR]);
    child_stdin_finish(c);
    if (!child_try_reap(c)) {
        g_ptr_array_remove_fast(live_children, c);
        g_array_append_val(orphan_pids, c->pid);
    }
    g_free(c);
}
