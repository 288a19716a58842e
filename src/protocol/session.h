/* session.h: one host conversation: bytes in, requests dispatched, replies out. */
#ifndef SGA_SESSION_H
#define SGA_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

/* Replies queued but not yet taken by the host beyond this pause the reading of
 * requests, so a host that sends but never reads cannot make the agent buffer
 * without bound; reading resumes when the queue drains. */
#define SGA_SESSION_OUTPUT_HIGH_WATER ((size_t)1 << 20)

/* How the session hands bytes to whatever carries them (the transport). */
typedef struct SgaSessionOutput {
    /* Queue len bytes of data for the host; takes ownership of data (g_free). */
    void (*send)(void *opaque, char *data, size_t len);
    /* Bytes queued and not yet written. */
    size_t (*queued)(void *opaque);
    /* Stop or restart delivering received bytes. */
    void (*set_receiving)(void *opaque, bool receiving);
    void *opaque;
} SgaSessionOutput;

typedef struct SgaSession SgaSession;

SgaSession *sga_session_new(const SgaRegistry *reg, const SgaSessionOutput *output);
void sga_session_free(SgaSession *session);

/* A host connected (or the port opened): start from a clean parser. */
void sga_session_begin(SgaSession *session);
/* Bytes from the host. */
void sga_session_receive(SgaSession *session, const char *buf, size_t len);
/* Everything queued was written: continue if reading was paused. */
void sga_session_drained(SgaSession *session);

#endif
