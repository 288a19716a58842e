/* session.c: framing, dispatch and reply writing for one host conversation. */
#include "session.h"

#include "dispatch.h"
#include "json-stream.h"
#include "sga-json-writer.h"
#include "sga-log.h"

#define SGA_SENTINEL_BYTE '\xff'

struct SgaSession {
    const SgaRegistry *registry;
    SgaSessionOutput out;
    SgaJsonStream *stream;
    GByteArray *held;       /* input not yet parsed while paused */
    bool paused;
};

SgaSession *sga_session_new(const SgaRegistry *reg, const SgaSessionOutput *output)
{
    SgaSession *s = g_new0(SgaSession, 1);

    s->registry = reg;
    s->out = *output;
    s->stream = sga_json_stream_new(NULL);
    s->held = g_byte_array_new();
    return s;
}

void sga_session_free(SgaSession *s)
{
    if (!s) {
        return;
    }
    sga_json_stream_free(s->stream);
    g_byte_array_unref(s->held);
    g_free(s);
}

void sga_session_begin(SgaSession *s)
{
    sga_json_stream_reset(s->stream);
    g_byte_array_set_size(s->held, 0);
    s->paused = false;
}

static void reply_send(SgaSession *s, json_object *reply, bool delimit)
{
    GString *text = g_string_sized_new(128);

    if (delimit) {
        g_string_append_c(text, SGA_SENTINEL_BYTE);
    }
    sga_json_write(text, reply);
    sga_debug("reply: %s", text->str + (delimit ? 1 : 0));
    g_string_append_c(text, '\n');
    size_t len = text->len;
    s->out.send(s->out.opaque, g_string_free(text, FALSE), len);
}

/* Parse and run requests from buf until it is used up or output backs up;
 * returns the bytes used. */
static size_t session_process(SgaSession *s, const char *buf, size_t len)
{
    size_t used = 0;

    while (used < len && !s->paused) {
        json_object *value = NULL;
        GError *error = NULL;
        size_t consumed;
        json_object *reply = NULL;
        bool delimit = false;

        switch (sga_json_stream_feed(s->stream, buf + used, len - used, &consumed, &value, &error)) {
        case SGA_JSON_STREAM_NEED_MORE:
            break;
        case SGA_JSON_STREAM_VALUE:
            reply = sga_dispatch(s->registry, value, &delimit);
            json_object_put(value);
            break;
        case SGA_JSON_STREAM_ERROR:
            sga_debug("request stream error: %s", error->message);
            reply = sga_dispatch_error_reply(error);
            g_error_free(error);
            break;
        }
        used += consumed;
        if (reply) {
            reply_send(s, reply, delimit);
            json_object_put(reply);
            if (s->out.queued(s->out.opaque) > SGA_SESSION_OUTPUT_HIGH_WATER) {
                s->paused = true;
                s->out.set_receiving(s->out.opaque, false);
            }
        }
    }
    return used;
}

void sga_session_receive(SgaSession *s, const char *buf, size_t len)
{
    size_t used;

    if (s->paused) {
        /* A transport may still hand over what it had read before pausing. */
        g_byte_array_append(s->held, (const guint8 *)buf, (guint)len);
        return;
    }
    used = session_process(s, buf, len);
    if (used < len) {
        g_byte_array_append(s->held, (const guint8 *)buf + used, (guint)(len - used));
    }
}

void sga_session_drained(SgaSession *s)
{
    size_t used;

    if (!s->paused) {
        return;
    }
    s->paused = false;
    used = session_process(s, (const char *)s->held->data, s->held->len);
    g_byte_array_remove_range(s->held, 0, (guint)used);
    if (!s->paused) {
        s->out.set_receiving(s->out.opaque, true);
    }
}
