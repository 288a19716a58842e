/* client.h: a host-side connection to a guest agent over a unix socket. */
#ifndef SGA_CLIENT_H
#define SGA_CLIENT_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

#define SGA_CLIENT_ERROR (sga_client_error_quark())

/* Error codes double as streamga-host's exit statuses. */
typedef enum {
    SGA_CLIENT_ERROR_AGENT = 1,     /* the agent answered with an error */
    SGA_CLIENT_ERROR_CONNECT = 3,   /* no socket, refused, connection lost */
    SGA_CLIENT_ERROR_TIMEOUT = 4,   /* no answer in time */
    SGA_CLIENT_ERROR_PROTOCOL = 5,  /* an answer that is not a valid reply */
} SgaClientError;

GQuark sga_client_error_quark(void);

typedef struct SgaClient SgaClient;

SgaClient *sga_client_connect(const char *socket_path, GError **error);
void sga_client_free(SgaClient *client);

/* 0xFF + guest-sync-delimited with a random id; everything before the matching
 * delimited reply is discarded, as libvirt does before talking to an agent. */
bool sga_client_sync(SgaClient *client, int timeout_ms, GError **error);

/* Send one request (a JSON object as text) and return the next reply object. */
json_object *sga_client_request(SgaClient *client, const char *request, int timeout_ms,
                                GError **error);

/* Run a command: returns its "return" value (json null allowed: check error),
 * or NULL with error set; an {"error"} reply becomes SGA_CLIENT_ERROR_AGENT with
 * the message "Class: desc". arguments may be NULL and is not consumed. */
json_object *sga_client_call(SgaClient *client, const char *command, json_object *arguments,
                             int timeout_ms, GError **error);

/* The same for a request already in text form: push builds its large
 * guest-file-write requests in place rather than through json-c. */
json_object *sga_client_call_text(SgaClient *client, const char *request, int timeout_ms,
                                  GError **error);

/* Send a request that gets no reply on success (guest-shutdown). */
bool sga_client_send(SgaClient *client, const char *request, GError **error);

#endif
