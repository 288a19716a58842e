/* json-stream.h: splits the host's byte stream into JSON values, as qemu-ga's parser does. */
#ifndef SGA_JSON_STREAM_H
#define SGA_JSON_STREAM_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

/* qemu's limits for one message (qobject/json-streamer.c). The byte limit is what
 * lets a 48 MiB guest-file-write chunk (64 MiB of base64) through; anything larger
 * is refused with an error and skipped without being stored. */
#define SGA_JSON_MAX_MESSAGE_BYTES ((size_t)64 << 20)
#define SGA_JSON_MAX_TOKENS ((size_t)2 << 20)
#define SGA_JSON_MAX_DEPTH 1024

typedef struct SgaJsonLimits {
    size_t max_message_bytes;   /* token text per message */
    size_t max_tokens;          /* tokens per message */
    size_t max_depth;           /* open braces plus brackets */
} SgaJsonLimits;

typedef enum {
    SGA_JSON_STREAM_NEED_MORE,  /* the input ran out before a message ended */
    SGA_JSON_STREAM_VALUE,      /* a whole value was read */
    SGA_JSON_STREAM_ERROR,      /* a message was malformed or too large */
} SgaJsonStreamResult;

typedef struct SgaJsonStream SgaJsonStream;

/* limits may be NULL for qemu's. */
SgaJsonStream *sga_json_stream_new(const SgaJsonLimits *limits);
void sga_json_stream_free(SgaJsonStream *stream);

/* Forget any partial message, as when a new host session starts. */
void sga_json_stream_reset(SgaJsonStream *stream);

/*
 * Read from buf[0..len) until one message ends or the input runs out; *consumed
 * tells how many bytes were used (the rest must be fed again). On VALUE, *value
 * holds the parsed value (NULL for a JSON null) and the caller owns it; on ERROR,
 * *error says what was wrong, worded as qemu-ga words it.
 *
 * A 0xFF byte anywhere discards the partial message without a reply: it is how a
 * host resynchronizes (guest-sync-delimited). After a lexical error or a limit,
 * where the message's structure is lost, input is skipped up to the next '{' or
 * '[' so one bad message yields one error, not a cascade; a grammar error is
 * reported when its message ends and parsing simply goes on.
 */
SgaJsonStreamResult sga_json_stream_feed(SgaJsonStream *stream, const char *buf, size_t len,
                                         size_t *consumed, json_object **value, GError **error);

#endif
