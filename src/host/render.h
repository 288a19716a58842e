/* render.h: how streamga-host prints replies, for people or for scripts. */
#ifndef SGA_RENDER_H
#define SGA_RENDER_H

#include <json-c/json.h>
#include <stdbool.h>

/* One line of compact JSON. */
void sga_render_json(json_object *value);
/* Compact JSON for scripts, indented JSON for people. */
void sga_render_value(json_object *value, bool json);
/* guest-info as a version line and a table of commands. */
void sga_render_info(json_object *info);
/* guest-get-osinfo as "field: value" lines. */
void sga_render_osinfo(json_object *osinfo);

#endif
