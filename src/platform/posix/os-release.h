/* os-release.h: parsing the os-release(5) file format. */
#ifndef SGA_OS_RELEASE_H
#define SGA_OS_RELEASE_H

#include <glib.h>

/* Parse os-release text into KEY -> value (unquoted, unescaped). Returns NULL
 * when the text is not UTF-8, as qemu-ga then ignores the file. */
GHashTable *sga_os_release_parse(const char *text, gsize len);

#endif
