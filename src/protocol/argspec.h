/* argspec.h: declarative argument types, checked once and converted to C structs.
 *
 * This plays the part of QEMU's generated QAPI marshallers: each command names a
 * struct type whose members say where each typed value lands (offsetof), so the
 * dispatcher checks arguments with qemu's error messages and the handler gets a
 * filled-in C struct. Strings are borrowed from the request and live as long as
 * the handler runs.
 */
#ifndef SGA_ARGSPEC_H
#define SGA_ARGSPEC_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SGA_TYPE_INT,       /* int64_t */
    SGA_TYPE_UINT64,    /* uint64_t; negative integers wrap, as qemu's visitor accepts them */
    SGA_TYPE_NUMBER,    /* double */
    SGA_TYPE_BOOL,      /* bool */
    SGA_TYPE_STR,       /* const char * (borrowed) */
    SGA_TYPE_ENUM,      /* int: index into enum_values */
    SGA_TYPE_LIST,      /* SgaList of element */
    SGA_TYPE_STRUCT,    /* nested struct of size bytes */
    SGA_TYPE_ALTERNATE, /* SgaAlternate: one of the branches, chosen by JSON type */
    SGA_TYPE_ANY,       /* json_object * (borrowed) */
} SgaTypeKind;

typedef struct SgaTypeSpec SgaTypeSpec;

typedef struct SgaMemberSpec {
    const char *name;           /* NULL ends a member list */
    const SgaTypeSpec *type;
    bool optional;
    size_t offset;              /* of the value in the struct */
    size_t has_offset;          /* of the bool 'has_<member>' for optional members */
} SgaMemberSpec;

struct SgaTypeSpec {
    SgaTypeKind kind;
    const char *name;                   /* how errors name the type: "integer", "GuestFileWhence" */
    size_t size;                        /* STRUCT: sizeof the C struct */
    const SgaMemberSpec *members;       /* STRUCT */
    const SgaTypeSpec *element;         /* LIST */
    size_t element_size;                /* LIST: sizeof one C element */
    const char *const *enum_values;     /* ENUM: NULL-terminated wire names */
    const SgaTypeSpec *const *branches; /* ALTERNATE: NULL-terminated, at most one per JSON type */
};

/* A list argument: items points to count C elements, followed by a zeroed one, so a
 * list of strings is also a NULL-terminated const char * array. */
typedef struct SgaList {
    size_t count;
    void *items;
} SgaList;

/* An alternate argument: which branch matched, and its value. */
typedef struct SgaAlternate {
    const SgaTypeSpec *branch;
    union {
        int64_t i;
        double d;
        bool b;
        const char *s;
        int e;
    } u;
} SgaAlternate;

extern const SgaTypeSpec sga_type_int;
extern const SgaTypeSpec sga_type_uint64;
extern const SgaTypeSpec sga_type_number;
extern const SgaTypeSpec sga_type_bool;
extern const SgaTypeSpec sga_type_str;
extern const SgaTypeSpec sga_type_any;
extern const SgaTypeSpec sga_type_str_list;

#define SGA_MEMBER(Struct, field, wire_name, type_spec) \
    { .name = (wire_name), .type = &(type_spec), .optional = false, \
      .offset = offsetof(Struct, field), .has_offset = 0 }
#define SGA_OPTIONAL(Struct, field, wire_name, type_spec) \
    { .name = (wire_name), .type = &(type_spec), .optional = true, \
      .offset = offsetof(Struct, field), .has_offset = offsetof(Struct, has_##field) }
#define SGA_MEMBERS_END { .name = NULL }

/*
 * Check the JSON object args against the STRUCT spec and fill out (spec->size
 * bytes, zeroed by the caller). On failure out is cleared again and error says
 * what was wrong, worded as qemu-ga's marshallers word it.
 */
bool sga_args_unmarshal(const SgaTypeSpec *spec, json_object *args, void *out, GError **error);

/* Free what unmarshalling allocated inside out (lists), not out itself. */
void sga_args_clear(const SgaTypeSpec *spec, void *out);

#endif
