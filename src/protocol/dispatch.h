/* dispatch.h: runs one request against the registry and builds its reply. */
#ifndef SGA_DISPATCH_H
#define SGA_DISPATCH_H

#include <stdbool.h>

#include "registry.h"

/*
 * Check the request envelope ({"execute", "arguments", "id"}), find the command,
 * check it is enabled and its arguments match its spec, run it, and return the
 * reply ({"return": ...} or {"error": ...}, with "id" echoed). Returns NULL when
 * the command succeeded and its schema says it sends no reply. *delimit is set
 * when the reply must be preceded by 0xFF (guest-sync-delimited).
 */
json_object *sga_dispatch(const SgaRegistry *reg, json_object *request, bool *delimit);

/* The reply for an error found before dispatch (malformed JSON, limits). */
json_object *sga_dispatch_error_reply(const GError *error);

/* For handlers: precede this request's reply with the 0xFF sentinel. */
void sga_request_delimit_reply(SgaRequest *req);

/* For handlers: the registry the request runs against (guest-info lists it). */
const SgaRegistry *sga_request_registry(const SgaRequest *req);

#endif
