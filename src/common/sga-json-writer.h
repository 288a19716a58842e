/* sga-json-writer.h: serialize json-c values the way qemu-ga writes replies. */
#ifndef SGA_JSON_WRITER_H
#define SGA_JSON_WRITER_H

#include <glib.h>
#include <json-c/json.h>

/* Append obj to out in qemu's compact style: ", " and ": " separators, object
 * members in insertion order, and pure ASCII output (every other character is a
 * \uXXXX escape; bytes that are not valid UTF-8 become U+FFFD), so a reply is
 * safe for any client whatever the data it carries. */
void sga_json_write(GString *out, json_object *obj);

/* Append a JSON string literal for the len bytes at str, with the same rules. */
void sga_json_write_string(GString *out, const char *str, size_t len);

#endif
