/* child.c: guest-exec children on Windows: CreateProcessW into a job object, overlapped pipes, exit watch. */
#include "child.h"

#include <errno.h>
#include <windows.h>

#include "child-pipe.h"
#include "command-line.h"
#include "handle-source.h"
#include "sga-error.h"
#include "spawn-errno.h"

typedef struct ChildStreamState {
    SgaChild *child;
    SgaChildStream stream;
    bool open;              /* captured and not at its end yet */
    SgaPipeReader reader;
    GSource *source;        /* on reader.ov.hEvent; inactive while not watched */
} ChildStreamState;

struct SgaChild {
    HANDLE process;
    HANDLE job;             /* NULL when the process could not be put in one */
    DWORD pid;
    SgaChildEvents events;
    void *opaque;
    ChildStreamState out[2];    /* indexed by SgaChildStream */
    bool captured[2];
    bool stdin_open;
    bool stdin_closing;     /* close once the queue is written */
    SgaPipeWriter stdin_writer;
    GSource *stdin_source;  /* on stdin_writer.ov.hEvent; active while a write is outstanding */
    GSource *exit_source;   /* on the process handle, until it is seen to have ended */
    bool reaped;
    DWORD exit_status;
};

void sga_child_save_fd_limit(void)
{
    /* Windows has no open-file limit to raise for pipes. */
}

/* ---- exit -------------------------------------------------------------------------- */

static bool child_try_reap(SgaChild *c)
{
    if (c->reaped) {
        return true;
    }
    if (WaitForSingleObject(c->process, 0) != WAIT_OBJECT_0) {
        return false;
    }
    if (!GetExitCodeProcess(c->process, &c->exit_status)) {
        c->exit_status = 0;
    }
    c->reaped = true;
    /* Seen once, by whichever comes first: the watch or sga_child_reap. */
    sga_handle_source_clear(&c->exit_source);
    return true;
}

static gboolean child_process_ended(HANDLE process, gpointer data)
{
    SgaChild *c = data;

    if (!child_try_reap(c)) {
        return G_SOURCE_CONTINUE;
    }
    /* The callback may free the child: c is not touched after it. */
    if (c->events.exited) {
        c->events.exited(c->opaque);
    }
    return G_SOURCE_REMOVE;
}

bool sga_child_reap(SgaChild *c)
{
    return child_try_reap(c);
}

bool sga_child_exit_status(const SgaChild *c, int *exitcode, int *signo)
{
    /* As qemu-ga on Windows: NTSTATUS values of unhandled exceptions
     * (0xC0000005, access violation, ...) are its "signal", anything below an
     * exit code; both are the 32-bit value read as an int. */
    if (c->exit_status >= 0xC0000000U) {
        *exitcode = -1;
        *signo = (int)c->exit_status;
        return true;
    }
    *exitcode = (int)c->exit_status;
    *signo = -1;
    return false;
}

/* ---- output ------------------------------------------------------------------------ */

static gboolean child_output_ready(HANDLE event, gpointer data)
{
    ChildStreamState *st = data;

    st->child->events.readable(st->stream, st->child->opaque);
    return G_SOURCE_CONTINUE;
}

static void child_stream_close(ChildStreamState *st)
{
    /* The source polls the reader's event: it goes first. */
    sga_handle_source_clear(&st->source);
    sga_pipe_reader_close(&st->reader);
    st->open = false;
}

gssize sga_child_read(SgaChild *c, SgaChildStream s, void *buf, size_t len)
{
    ChildStreamState *st = &c->out[s];
    gssize n;

    if (!st->open) {
        return 0;
    }
    n = sga_pipe_reader_read(&st->reader, buf, len);
    if (n == 0) {
        child_stream_close(st);     /* end of output, or a read error: nothing more will come */
    }
    return n;
}

void sga_child_watch_stream(SgaChild *c, SgaChildStream s, bool watch)
{
    /* Unwatched, no read is issued: the child's writes fill the pipe and block. */
    if (c->out[s].source) {
        sga_handle_source_set_active(c->out[s].source, watch);
    }
}

bool sga_child_has_stream(const SgaChild *c, SgaChildStream s)
{
    return c->captured[s];
}

/* ---- stdin ------------------------------------------------------------------------- */

static void child_stdin_finish(SgaChild *c)
{
    sga_handle_source_clear(&c->stdin_source);
    if (c->stdin_open) {
        sga_pipe_writer_close(&c->stdin_writer);
        c->stdin_open = false;
    }
}

/* After a write started, finished or failed: close when done, watch while writing. */
static void child_stdin_settle(SgaChild *c, bool ok)
{
    if (!ok || (c->stdin_closing && c->stdin_writer.queued == 0 && !c->stdin_writer.pending)) {
        child_stdin_finish(c);      /* broken: the child does not read stdin any more */
        return;
    }
    sga_handle_source_set_active(c->stdin_source, c->stdin_writer.pending);
}

static gboolean child_stdin_ready(HANDLE event, gpointer data)
{
    SgaChild *c = data;

    child_stdin_settle(c, sga_pipe_writer_progress(&c->stdin_writer));
    return G_SOURCE_CONTINUE;
}

bool sga_child_stdin_write(SgaChild *c, const void *data, size_t len)
{
    bool ok;

    if (!c->stdin_open || c->stdin_closing) {
        return false;
    }
    ok = sga_pipe_writer_send(&c->stdin_writer, data, len);
    child_stdin_settle(c, ok);
    return ok;
}

void sga_child_stdin_close(SgaChild *c)
{
    if (!c->stdin_open) {
        return;
    }
    c->stdin_closing = true;
    child_stdin_settle(c, true);
}

size_t sga_child_stdin_queued(const SgaChild *c)
{
    return c->stdin_open ? c->stdin_writer.queued : 0;
}

bool sga_child_stdin_is_open(const SgaChild *c)
{
    return c->stdin_open && !c->stdin_closing;
}

/* ---- spawning ---------------------------------------------------------------------- */

/* What the child gets as stdin, stdout and stderr, and what to close after. */
typedef struct SpawnHandles {
    HANDLE in_ours, out_ours, err_ours;         /* the agent's ends, or NULL */
    HANDLE in_theirs, out_theirs, err_theirs;   /* the child's ends, or NULL */
    HANDLE null;                                /* NUL, for streams not piped */
} SpawnHandles;

static void spawn_handles_close_theirs(SpawnHandles *h)
{
    HANDLE *theirs[] = { &h->in_theirs, &h->out_theirs, &h->err_theirs, &h->null };

    for (size_t i = 0; i < G_N_ELEMENTS(theirs); i++) {
        if (*theirs[i]) {
            CloseHandle(*theirs[i]);
            *theirs[i] = NULL;
        }
    }
}

static void spawn_handles_close_all(SpawnHandles *h)
{
    HANDLE *ours[] = { &h->in_ours, &h->out_ours, &h->err_ours };

    spawn_handles_close_theirs(h);
    for (size_t i = 0; i < G_N_ELEMENTS(ours); i++) {
        if (*ours[i]) {
            CloseHandle(*ours[i]);
            *ours[i] = NULL;
        }
    }
}

static bool spawn_handles_open(const SgaChildSpec *spec, SpawnHandles *h, GError **error)
{
    bool want_out = spec->capture == SGA_CAPTURE_STDOUT || spec->capture == SGA_CAPTURE_SEPARATED ||
                    spec->capture == SGA_CAPTURE_MERGED;
    bool want_err = spec->capture == SGA_CAPTURE_STDERR || spec->capture == SGA_CAPTURE_SEPARATED;
    SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };

    if ((spec->stdin_pipe && !sga_child_pipe_new(false, "stdin", &h->in_ours, &h->in_theirs, error)) ||
        (want_out && !sga_child_pipe_new(true, "stdout", &h->out_ours, &h->out_theirs, error)) ||
        (want_err && !sga_child_pipe_new(true, "stderr", &h->err_ours, &h->err_theirs, error))) {
        return false;
    }
    /* What is not piped goes to NUL, as with qemu-ga. */
    if (!h->in_theirs || !h->out_theirs || !h->err_theirs) {
        h->null = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                              &inherit, OPEN_EXISTING, 0, NULL);
        if (h->null == INVALID_HANDLE_VALUE) {
            g_autofree char *msg = g_win32_error_message((gint)GetLastError());
            h->null = NULL;
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot open NUL: %s", msg);
            return false;
        }
    }
    return true;
}

/*
 * CreateProcessW with exactly the three standard handles inherited (a handle
 * list: another child's pipe ends must never leak into this one, or their
 * ends would not come while it runs), no console window, suspended until it is
 * in its job. lpApplicationName is NULL so that a bare name is searched like a
 * command: the agent's directory, the current one, the system directories,
 * then the agent's PATH, ".exe" appended when the name has no extension.
 */
static bool spawn_process(gunichar2 *cmdline, gunichar2 *env_block, HANDLE in, HANDLE out,
                          HANDLE err, PROCESS_INFORMATION *pi, DWORD *error_code)
{
    const HANDLE std_handles[3] = { in, out, err };
    STARTUPINFOEXW si = { 0 };
    HANDLE inherited[3];
    size_t n_inherited = 0;
    SIZE_T attr_size = 0;
    bool ok = false;

    /* Each once: the list takes no duplicates (merged output, NUL twice). */
    for (size_t i = 0; i < 3; i++) {
        bool seen = false;
        for (size_t j = 0; j < n_inherited; j++) {
            seen = seen || inherited[j] == std_handles[i];
        }
        if (!seen) {
            inherited[n_inherited++] = std_handles[i];
        }
    }
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
    si.lpAttributeList = g_malloc(attr_size);
    if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &attr_size)) {
        *error_code = GetLastError();
        g_free(si.lpAttributeList);
        return false;
    }
    if (UpdateProcThreadAttribute(si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                  n_inherited * sizeof(HANDLE), NULL, NULL)) {
        si.StartupInfo.cb = sizeof(si);
        si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        si.StartupInfo.hStdInput = in;
        si.StartupInfo.hStdOutput = out;
        si.StartupInfo.hStdError = err;
        ok = CreateProcessW(NULL, cmdline, NULL, NULL, TRUE,
                            CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT |
                                CREATE_NO_WINDOW | CREATE_SUSPENDED,
                            env_block, NULL, &si.StartupInfo, pi);
    }
    if (!ok) {
        *error_code = GetLastError();
    }
    DeleteProcThreadAttributeList(si.lpAttributeList);
    g_free(si.lpAttributeList);
    return ok;
}

/* A job holding the process and, from the start, everything it starts: a kill
 * or timeout ends the whole tree. Without a limit to kill on close: a process
 * the host forgot keeps running, as under qemu-ga. NULL when the system refuses
 * (Windows 7 nests no jobs: the agent may already be in one). */
static HANDLE spawn_job(HANDLE process)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);

    if (job && !AssignProcessToJobObject(job, process)) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_warning("guest-exec: process %lu is in no job of its own (%s): a kill reaches only it",
                  (unsigned long)GetProcessId(process), msg);
        CloseHandle(job);
        job = NULL;
    }
    return job;
}

static void child_stream_start(SgaChild *c, SgaChildStream s, HANDLE pipe)
{
    ChildStreamState *st = &c->out[s];

    st->child = c;
    st->stream = s;
    c->captured[s] = pipe != NULL;
    if (!pipe) {
        return;
    }
    st->open = true;
    sga_pipe_reader_init(&st->reader, pipe);
    st->source = sga_handle_source_new(st->reader.ov.hEvent, child_output_ready, st);
}

SgaChild *sga_child_spawn(const SgaChildSpec *spec, const SgaChildEvents *events, void *opaque,
                          GError **error)
{
    g_autofree gunichar2 *cmdline = NULL;
    g_autofree gunichar2 *env_block = NULL;
    SpawnHandles h = { 0 };
    PROCESS_INFORMATION pi;
    DWORD code = 0;
    SgaChild *c;

    cmdline = sga_command_line_build(spec->path, spec->args, error);
    if (!cmdline || (spec->env && !(env_block = sga_environment_block_build(spec->env, error)))) {
        return NULL;
    }
    if (!spawn_handles_open(spec, &h, error)) {
        spawn_handles_close_all(&h);
        return NULL;
    }
    if (!spawn_process(cmdline, env_block, h.in_theirs ? h.in_theirs : h.null,
                       h.out_theirs ? h.out_theirs : h.null,
                       h.err_theirs ? h.err_theirs : spec->capture == SGA_CAPTURE_MERGED ? h.out_theirs
                                                                                        : h.null,
                       &pi, &code)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to execute child process \u201c%s\u201d (%s)",
                    spec->path, g_strerror(sga_spawn_errno(code)));
        spawn_handles_close_all(&h);
        return NULL;
    }
    /* The child's ends belong to it now. */
    spawn_handles_close_theirs(&h);

    c = g_new0(SgaChild, 1);
    c->process = pi.hProcess;
    c->pid = pi.dwProcessId;
    c->job = spawn_job(pi.hProcess);
    c->events = *events;
    c->opaque = opaque;
    if (ResumeThread(pi.hThread) == (DWORD)-1) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to execute child process \u201c%s\u201d (%s)",
                    spec->path, msg);
        TerminateProcess(pi.hProcess, 1);
        CloseHandle(pi.hThread);
        spawn_handles_close_all(&h);
        sga_child_free(c);
        return NULL;
    }
    CloseHandle(pi.hThread);

    child_stream_start(c, SGA_CHILD_STDOUT, h.out_ours);
    child_stream_start(c, SGA_CHILD_STDERR, h.err_ours);
    if (h.in_ours) {
        c->stdin_open = true;
        sga_pipe_writer_init(&c->stdin_writer, h.in_ours);
        c->stdin_source = sga_handle_source_new(c->stdin_writer.ov.hEvent, child_stdin_ready, c);
        sga_handle_source_set_active(c->stdin_source, false);
    }
    c->exit_source = sga_handle_source_new(c->process, child_process_ended, c);
    return c;
}

int64_t sga_child_pid(const SgaChild *c)
{
    return c->pid;
}

/* ---- signals and the end ----------------------------------------------------------- */

/*
 * Windows has no signals: any signal ends the process and everything it
 * started (its job), with the signal's number as exit code, as Python's
 * os.kill does on Windows (9 after a timeout or SIGKILL, 15 after SIGTERM).
 */
bool sga_child_signal(SgaChild *c, int signo, GError **error)
{
    BOOL ok;

    if (c->job) {
        ok = TerminateJobObject(c->job, (UINT)signo);
    } else if (child_try_reap(c)) {
        return true;    /* nothing left we can reach */
    } else {
        ok = TerminateProcess(c->process, (UINT)signo);
    }
    if (!ok) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot send signal %d to process %lu: %s",
                    signo, (unsigned long)c->pid, msg);
        return false;
    }
    return true;
}

void sga_child_free(SgaChild *c)
{
    if (!c) {
        return;
    }
    for (int s = 0; s < 2; s++) {
        if (c->out[s].open) {
            child_stream_close(&c->out[s]);
        }
    }
    child_stdin_finish(c);
    sga_handle_source_clear(&c->exit_source);
    /* Forgotten, not killed: the job has no kill-on-close limit, so closing
     * its handle leaves a running process and its children running. */
    if (c->job) {
        CloseHandle(c->job);
    }
    CloseHandle(c->process);
    g_free(c);
}
