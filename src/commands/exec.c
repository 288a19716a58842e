/* exec.c: guest-exec, guest-exec-status, and streamga's kill and stdin extensions. */
#include "exec.h"

#include <math.h>
#include <signal.h>
#include <string.h>

#include "child.h"
#include "commands.h"
#include "exec-output.h"
#include "sga-base64.h"
#include "sga-error.h"

const char *const sga_exec_output_mode_names[] = { "stream", "at-exit", NULL };

static const char *const capture_mode_names[] = {
    [SGA_CAPTURE_NONE] = "none",
    [SGA_CAPTURE_STDOUT] = "stdout",
    [SGA_CAPTURE_STDERR] = "stderr",
    [SGA_CAPTURE_SEPARATED] = "separated",
    [SGA_CAPTURE_MERGED] = "merged",
    NULL,
};

/* ---- argument specs ------------------------------------------------------------ */

static const SgaTypeSpec capture_mode_type = {
    .kind = SGA_TYPE_ENUM, .name = "GuestExecCaptureOutputMode", .enum_values = capture_mode_names,
};
static const SgaTypeSpec *const capture_output_branches[] = { &sga_type_bool, &capture_mode_type, NULL };
static const SgaTypeSpec capture_output_type = {
    .kind = SGA_TYPE_ALTERNATE, .name = "GuestExecCaptureOutput", .branches = capture_output_branches,
};
static const SgaTypeSpec output_mode_type = {
    .kind = SGA_TYPE_ENUM, .name = "output mode", .enum_values = sga_exec_output_mode_names,
};

static const SgaMemberSpec exec_members[] = {
    SGA_MEMBER(SgaExecArgs, path, "path", sga_type_str),
    SGA_OPTIONAL(SgaExecArgs, arg, "arg", sga_type_str_list),
    SGA_OPTIONAL(SgaExecArgs, env, "env", sga_type_str_list),
    SGA_OPTIONAL(SgaExecArgs, input_data, "input-data", sga_type_str),
    SGA_OPTIONAL(SgaExecArgs, capture_output, "capture-output", capture_output_type),
    SGA_OPTIONAL(SgaExecArgs, output_mode, "__org.streamga_output-mode", output_mode_type),
    SGA_OPTIONAL(SgaExecArgs, timeout, "__org.streamga_timeout", sga_type_number),
    SGA_OPTIONAL(SgaExecArgs, keep_stdin, "__org.streamga_keep-stdin", sga_type_bool),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_exec_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-exec arguments", .size = sizeof(SgaExecArgs),
    .members = exec_members,
};

static const SgaMemberSpec pid_members[] = {
    SGA_MEMBER(SgaExecPidArgs, pid, "pid", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_exec_status_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-exec-status arguments", .size = sizeof(SgaExecPidArgs),
    .members = pid_members,
};

static const SgaMemberSpec kill_members[] = {
    SGA_MEMBER(SgaExecKillArgs, pid, "pid", sga_type_int),
    SGA_OPTIONAL(SgaExecKillArgs, signal, "signal", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_exec_kill_args = {
    .kind = SGA_TYPE_STRUCT, .name = "kill arguments", .size = sizeof(SgaExecKillArgs),
    .members = kill_members,
};

static const SgaMemberSpec input_members[] = {
    SGA_MEMBER(SgaExecInputArgs, pid, "pid", sga_type_int),
    SGA_OPTIONAL(SgaExecInputArgs, input_data, "input-data", sga_type_str),
    SGA_OPTIONAL(SgaExecInputArgs, close, "close", sga_type_bool),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_exec_input_args = {
    .kind = SGA_TYPE_STRUCT, .name = "input arguments", .size = sizeof(SgaExecInputArgs),
    .members = input_members,
};

/* ---- the process table --------------------------------------------------------- */

typedef struct ExecJob {
    int64_t pid;
    SgaChild *child;
    bool streaming;
    bool captured[2];           /* indexed by SgaChildStream */
    SgaExecOutput output[2];
    bool exited;                /* the child itself ended */
    int exitcode, signo;
    bool signalled;             /* signo, not exitcode, is its status */
    bool finished;              /* exited, and every captured stream at its end */
    GList *ended_link;          /* in exec_state.ended once the child ended */
    guint timeout_source;
    bool timed_out;
} ExecJob;

static struct {
    SgaExecSettings settings;
    GHashTable *jobs;           /* &ExecJob.pid -> ExecJob */
    GQueue ended;               /* jobs whose child ended, not yet collected, oldest first */
} exec_state;

static void exec_job_free(gpointer data)
{
    ExecJob *job = data;

    if (job->timeout_source) {
        g_source_remove(job->timeout_source);
    }
    if (job->ended_link) {
        g_queue_delete_link(&exec_state.ended, job->ended_link);
    }
    sga_child_free(job->child);
    sga_exec_output_clear(&job->output[SGA_CHILD_STDOUT]);
    sga_exec_output_clear(&job->output[SGA_CHILD_STDERR]);
    g_free(job);
}

void sga_exec_init(const SgaExecSettings *settings)
{
    exec_state.settings = *settings;
    if (!exec_state.jobs) {
        exec_state.jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, exec_job_free);
        g_queue_init(&exec_state.ended);
    }
}

/* Handlers also run where nothing configured the family (unit tests, the
 * fuzzer): qemu-ga-compatible defaults then. */
static void exec_state_ensure(void)
{
    if (!exec_state.jobs) {
        SgaExecSettings defaults = {
            .stream_output = true,
            .buffer_size = SGA_EXEC_BUFFER_DEFAULT,
            .reply_size = SGA_EXEC_REPLY_DEFAULT,
        };
        sga_exec_init(&defaults);
    }
}

void sga_exec_cleanup(void)
{
    g_clear_pointer(&exec_state.jobs, g_hash_table_unref);
}

static ExecJob *exec_job_find(int64_t pid, GError **error)
{
    ExecJob *job = exec_state.jobs ? g_hash_table_lookup(exec_state.jobs, &pid) : NULL;

    if (!job) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Invalid parameter 'pid'");
    }
    return job;
}

static size_t exec_job_pending(const ExecJob *job)
{
    size_t n = 0;

    for (int s = 0; s < 2; s++) {
        if (job->captured[s]) {
            n += sga_exec_output_pending(&job->output[s]);
        }
    }
    return n;
}

/* Keep ended, uncollected processes within SGA_EXEC_MAX_FINISHED and
 * SGA_EXEC_FINISHED_BYTES by forgetting the oldest. A process counts from when
 * it ends, even while its full buffer keeps the rest of its output in the pipe,
 * or while something it started still holds its pipes. */
static void exec_ended_trim(void)
{
    size_t bytes = 0;

    for (GList *l = exec_state.ended.head; l; l = l->next) {
        bytes += exec_job_pending(l->data);
    }
    /* The newest stays whatever its size: it may be the job being answered for. */
    while (exec_state.ended.length > SGA_EXEC_MAX_FINISHED ||
           (bytes > SGA_EXEC_FINISHED_BYTES && exec_state.ended.length > 1)) {
        ExecJob *oldest = g_queue_peek_head(&exec_state.ended);
        bytes -= exec_job_pending(oldest);
        g_warning("forgetting process %" G_GINT64_FORMAT ": it ended and its status was never "
                  "collected", oldest->pid);
        g_hash_table_remove(exec_state.jobs, &oldest->pid);
    }
}

/* Note when the job becomes collectable: the child ended and its pipes closed. */
static void exec_job_update(ExecJob *job)
{
    if (job->finished || !job->exited) {
        return;
    }
    for (int s = 0; s < 2; s++) {
        if (job->captured[s] && !job->output[s].eof) {
            return;
        }
    }
    job->finished = true;
}

static void exec_job_exited(ExecJob *job)
{
    job->exited = true;
    job->signalled = sga_child_exit_status(job->child, &job->exitcode, &job->signo);
    g_queue_push_tail(&exec_state.ended, job);
    job->ended_link = exec_state.ended.tail;
    exec_ended_trim();
}

static void exec_child_readable(SgaChildStream stream, void *opaque)
{
    ExecJob *job = opaque;

    sga_exec_output_fill(&job->output[stream], job->child, stream, SGA_EXEC_READ_BUDGET);
    exec_job_update(job);
}

static void exec_child_exited(void *opaque)
{
    ExecJob *job = opaque;

    exec_job_exited(job);
    exec_job_update(job);
}

static const SgaChildEvents exec_child_events = {
    .readable = exec_child_readable,
    .exited = exec_child_exited,
};

static gboolean exec_job_timed_out(gpointer data)
{
    ExecJob *job = data;
    g_autoptr(GError) error = NULL;

    job->timeout_source = 0;
    if (!job->finished) {
        job->timed_out = true;
        if (!sga_child_signal(job->child, SIGKILL, &error)) {
            g_warning("%s", error->message);
        }
    }
    return G_SOURCE_REMOVE;
}

/* Bring the job up to date before answering: a status reports what has happened
 * by the time it is asked, not as of the last main-loop turn. */
static void exec_job_refresh(ExecJob *job)
{
    if (!job->exited && sga_child_reap(job->child)) {
        exec_job_exited(job);
    }
    for (int s = 0; s < 2; s++) {
        if (job->captured[s]) {
            sga_exec_output_fill(&job->output[s], job->child, (SgaChildStream)s, SGA_EXEC_READ_BUDGET);
        }
    }
    exec_job_update(job);
}

/* ---- guest-exec ------------------------------------------------------------------ */

static SgaCaptureMode exec_capture_mode(const SgaExecArgs *a)
{
    if (!a->has_capture_output) {
        return SGA_CAPTURE_NONE;
    }
    if (a->capture_output.branch == &sga_type_bool) {
        return a->capture_output.u.b ? SGA_CAPTURE_SEPARATED : SGA_CAPTURE_NONE;
    }
    return (SgaCaptureMode)a->capture_output.u.e;
}

/* An audit line in syslog, as qemu-ga writes for guest-exec. */
static void exec_audit(const SgaExecArgs *a)
{
    g_autoptr(GString) line = g_string_new(a->path);

    for (size_t i = 0; a->has_arg && i < a->arg.count; i++) {
        g_string_append_c(line, ' ');
        g_string_append(line, ((const char **)a->arg.items)[i]);
    }
    g_log("syslog", G_LOG_LEVEL_INFO, "guest-exec called: \"%s\"", line->str);
}

json_object *sga_cmd_guest_exec(SgaRequest *req, const void *args, GError **error)
{
    const SgaExecArgs *a = args;
    g_autofree guint8 *input = NULL;
    gsize input_len = 0;
    g_autoptr(GError) spawn_error = NULL;
    SgaChildSpec spec = { 0 };
    ExecJob *job;
    json_object *ret;

    exec_state_ensure();
    if (a->has_input_data && !(input = sga_base64_decode(a->input_data, &input_len, error))) {
        return NULL;
    }
    if (a->has_timeout && !(isfinite(a->timeout) && a->timeout > 0)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "Parameter '__org.streamga_timeout' expects a positive number of seconds");
        return NULL;
    }
    spec.path = a->path;
    spec.args = a->has_arg ? a->arg.items : NULL;
    spec.env = a->has_env ? a->env.items : NULL;
    spec.stdin_pipe = a->has_input_data || (a->has_keep_stdin && a->keep_stdin);
    spec.capture = exec_capture_mode(a);

    exec_audit(a);
    job = g_new0(ExecJob, 1);
    job->child = sga_child_spawn(&spec, &exec_child_events, job, &spawn_error);
    if (!job->child) {
        g_free(job);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Guest agent command failed, error was '%s'",
                    spawn_error->message);
        return NULL;
    }
    job->pid = sga_child_pid(job->child);
    job->streaming = a->has_output_mode ? a->output_mode == SGA_EXEC_OUTPUT_STREAM
                                        : exec_state.settings.stream_output;
    for (int s = 0; s < 2; s++) {
        job->captured[s] = sga_child_has_stream(job->child, (SgaChildStream)s);
        sga_exec_output_init(&job->output[s],
                             job->streaming ? exec_state.settings.buffer_size : SGA_EXEC_AT_EXIT_CAP,
                             !job->streaming);
    }
    /* A pid the kernel handed out again replaces a process nobody collected. */
    g_hash_table_replace(exec_state.jobs, &job->pid, job);

    if (input_len) {
        sga_child_stdin_write(job->child, input, input_len);
    }
    if (!(a->has_keep_stdin && a->keep_stdin)) {
        sga_child_stdin_close(job->child);
    }
    if (a->has_timeout) {
        job->timeout_source = g_timeout_add((guint)MIN(a->timeout * 1000.0, (double)G_MAXUINT),
                                            exec_job_timed_out, job);
    }

    ret = json_object_new_object();
    json_object_object_add(ret, "pid", json_object_new_int64(job->pid));
    return ret;
}

/* ---- guest-exec-status ------------------------------------------------------------ */

static const char *const data_member[] = { "out-data", "err-data" };
static const char *const truncated_member[] = { "out-truncated", "err-truncated" };

/* Streaming: what arrived since the last status, up to the reply size per
 * stream; exited only when the child ended and nothing is left to hand out. */
static bool exec_status_take_output(ExecJob *job, json_object *ret)
{
    for (int s = 0; s < 2; s++) {
        if (!job->captured[s]) {
            continue;
        }
        char *text = sga_exec_output_take(&job->output[s], exec_state.settings.reply_size);
        if (text) {
            json_object_object_add(ret, data_member[s], json_object_new_string(text));
            g_free(text);
        }
        /* Room again: resume reading a pipe that was paused. */
        sga_exec_output_fill(&job->output[s], job->child, (SgaChildStream)s, 0);
    }
    return job->finished && exec_job_pending(job) == 0;
}

/* At exit, as qemu-ga 7.2: all output once, with its truncation flag. */
static bool exec_status_take_all(ExecJob *job, json_object *ret)
{
    if (!job->finished) {
        return false;
    }
    for (int s = 0; s < 2; s++) {
        char *text = job->captured[s] ? sga_exec_output_take_all(&job->output[s]) : NULL;
        if (text) {
            json_object_object_add(ret, data_member[s], json_object_new_string(text));
            json_object_object_add(ret, truncated_member[s],
                                   json_object_new_boolean(job->output[s].truncated));
            g_free(text);
        }
    }
    return true;
}

json_object *sga_cmd_guest_exec_status(SgaRequest *req, const void *args, GError **error)
{
    const SgaExecPidArgs *a = args;
    ExecJob *job = exec_job_find(a->pid, error);
    json_object *ret, *output;
    bool exited;

    if (!job) {
        return NULL;
    }
    exec_job_refresh(job);
    output = json_object_new_object();
    exited = job->streaming ? exec_status_take_output(job, output) : exec_status_take_all(job, output);

    ret = json_object_new_object();
    json_object_object_add(ret, "exited", json_object_new_boolean(exited));
    if (exited && !job->signalled) {
        json_object_object_add(ret, "exitcode", json_object_new_int(job->exitcode));
    }
    if (exited && job->signalled) {
        json_object_object_add(ret, "signal", json_object_new_int(job->signo));
    }
    json_object_object_foreach(output, key, val) {
        json_object_object_add(ret, key, json_object_get(val));
    }
    json_object_put(output);
    if (job->timed_out) {
        json_object_object_add(ret, "__org.streamga_timed-out", json_object_new_boolean(1));
    }
    if (exited) {
        g_hash_table_remove(exec_state.jobs, &job->pid);
    }
    return ret;
}

/* ---- extensions ----------------------------------------------------------------- */

json_object *sga_cmd_exec_kill(SgaRequest *req, const void *args, GError **error)
{
    const SgaExecKillArgs *a = args;
    ExecJob *job = exec_job_find(a->pid, error);
    int64_t signo = a->has_signal ? a->signal : SIGTERM;

    if (!job) {
        return NULL;
    }
    if (signo <= 0 || signo >= NSIG) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Parameter 'signal' expects a signal number");
        return NULL;
    }
    if (job->finished) {
        return NULL;    /* it already ended: nothing to signal */
    }
    sga_child_signal(job->child, (int)signo, error);
    return NULL;
}

json_object *sga_cmd_exec_input(SgaRequest *req, const void *args, GError **error)
{
    const SgaExecInputArgs *a = args;
    ExecJob *job = exec_job_find(a->pid, error);
    g_autofree guint8 *input = NULL;
    gsize len = 0;

    if (!job) {
        return NULL;
    }
    if (!sga_child_stdin_is_open(job->child)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "stdin of process %" G_GINT64_FORMAT " is not open", job->pid);
        return NULL;
    }
    if (a->has_input_data) {
        if (sga_child_stdin_queued(job->child) > SGA_EXEC_STDIN_QUEUE_MAX) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "stdin of process %" G_GINT64_FORMAT " is full, try again later", job->pid);
            return NULL;
        }
        input = sga_base64_decode(a->input_data, &len, error);
        if (!input) {
            return NULL;
        }
        if (!sga_child_stdin_write(job->child, input, len)) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "process %" G_GINT64_FORMAT " no longer reads its stdin", job->pid);
            return NULL;
        }
    }
    if (a->has_close && a->close) {
        sga_child_stdin_close(job->child);
    }
    return NULL;
}
