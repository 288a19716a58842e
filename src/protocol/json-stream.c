/* json-stream.c: incremental lexer and push parser for the host's request stream.
 *
 * The language is the one qemu-ga accepts (RFC 8259 plus single-quoted strings and
 * the \' escape), messages end where qemu's brace and bracket counting says they
 * end, and errors carry qemu's wording. Values are built while bytes arrive, so a
 * message is never stored twice, and a message over the limits is skipped without
 * being stored at all.
 */
#include "json-stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sga-error.h"
#include "sga-utf8.h"

/* Error replies quote at most this much of an offending token, so an error about
 * a huge token stays small. */
#define SGA_JSON_ERROR_EXCERPT 1000

typedef enum {
    LEX_START,
    LEX_RECOVERY,           /* after a lexical error: skip to a resynchronization point */
    LEX_DQ, LEX_DQ_ESCAPE,
    LEX_SQ, LEX_SQ_ESCAPE,
    LEX_ZERO, LEX_SIGN, LEX_DIGITS,
    LEX_MANTISSA, LEX_MANTISSA_DIGITS,
    LEX_EXP_E, LEX_EXP_SIGN, LEX_EXP_DIGITS,
    LEX_KEYWORD,
} LexState;

typedef enum {
    TOK_LCURLY, TOK_RCURLY, TOK_LSQUARE, TOK_RSQUARE, TOK_COMMA, TOK_COLON,
    TOK_STRING, TOK_INTEGER, TOK_FLOAT, TOK_KEYWORD,
} TokenType;

typedef enum {
    FRAME_OBJECT_KEY_OR_END,    /* after '{' */
    FRAME_OBJECT_KEY,           /* after ',' in an object */
    FRAME_OBJECT_COLON,
    FRAME_OBJECT_VALUE,
    FRAME_OBJECT_NEXT,          /* after a member: ',' or '}' */
    FRAME_ARRAY_VALUE_OR_END,   /* after '[' */
    FRAME_ARRAY_VALUE,          /* after ',' in an array */
    FRAME_ARRAY_NEXT,           /* after an element: ',' or ']' */
} FrameState;

typedef struct {
    json_object *container;
    FrameState state;
    char *key;                  /* member name waiting for its value */
} Frame;

struct SgaJsonStream {
    SgaJsonLimits limits;
    LexState lex;
    GString *token;             /* text of the token being read, when it is kept */

    /* The current message. */
    gint64 braces, brackets;    /* counted separately, exactly as qemu counts */
    size_t message_bytes;
    size_t message_tokens;
    gboolean skipping;          /* over a limit: find the message's end, build nothing */
    gboolean after_error;       /* error reported: drop input until '{' or '[' */
    GArray *frames;             /* of Frame: the containers being built */
    json_object *result;
    gboolean have_result;
    GError *parse_error;        /* the first grammar error, reported at message end */

    /* What the current feed call produced. */
    SgaJsonStreamResult outcome;
    json_object *out_value;
    GError *out_error;
};

static const SgaJsonLimits default_limits = {
    .max_message_bytes = SGA_JSON_MAX_MESSAGE_BYTES,
    .max_tokens = SGA_JSON_MAX_TOKENS,
    .max_depth = SGA_JSON_MAX_DEPTH,
};

static void frame_clear(gpointer data)
{
    Frame *f = data;

    json_object_put(f->container);
    g_free(f->key);
}

SgaJsonStream *sga_json_stream_new(const SgaJsonLimits *limits)
{
    SgaJsonStream *s = g_new0(SgaJsonStream, 1);

    s->limits = limits ? *limits : default_limits;
    s->token = g_string_sized_new(64);
    s->frames = g_array_new(FALSE, FALSE, sizeof(Frame));
    g_array_set_clear_func(s->frames, frame_clear);
    s->lex = LEX_START;
    return s;
}

/* Drop everything built for the current message. */
static void message_discard(SgaJsonStream *s)
{
    g_array_set_size(s->frames, 0);
    g_clear_pointer(&s->result, json_object_put);
    s->have_result = FALSE;
    g_clear_error(&s->parse_error);
    s->braces = s->brackets = 0;
    s->message_bytes = s->message_tokens = 0;
    s->skipping = FALSE;
}

static void token_clear(SgaJsonStream *s)
{
    /* A huge token's buffer is not worth keeping for the next small one. */
    if (s->token->allocated_len > (1u << 20)) {
        g_string_free(s->token, TRUE);
        s->token = g_string_sized_new(64);
    } else {
        g_string_truncate(s->token, 0);
    }
}

void sga_json_stream_reset(SgaJsonStream *s)
{
    message_discard(s);
    token_clear(s);
    s->after_error = FALSE;
    s->lex = LEX_START;
}

void sga_json_stream_free(SgaJsonStream *s)
{
    if (!s) {
        return;
    }
    message_discard(s);
    g_array_unref(s->frames);
    g_string_free(s->token, TRUE);
    g_free(s);
}

static void report(SgaJsonStream *s, GError *error)
{
    g_assert(s->outcome == SGA_JSON_STREAM_NEED_MORE);
    s->outcome = SGA_JSON_STREAM_ERROR;
    s->out_error = error;
}

/* Token text is kept only while it can end up in a value or an error reply. */
static gboolean stream_keeps_text(const SgaJsonStream *s)
{
    return !s->skipping && !(s->after_error && s->message_tokens == 0);
}

/* Give up building a message that breaks a limit, and report it now. */
static void limit_exceeded(SgaJsonStream *s, const char *what)
{
    report(s, g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "JSON %s limit exceeded", what));
    g_array_set_size(s->frames, 0);
    g_clear_pointer(&s->result, json_object_put);
    s->have_result = FALSE;
    g_clear_error(&s->parse_error);
    token_clear(s);
    s->skipping = TRUE;
    s->after_error = TRUE;
}

static void token_append(SgaJsonStream *s, const unsigned char *bytes, size_t n)
{
    if (!stream_keeps_text(s)) {
        return;
    }
    g_string_append_len(s->token, (const char *)bytes, (gssize)n);
    if (s->message_bytes + s->token->len > s->limits.max_message_bytes) {
        limit_exceeded(s, "token size");
    }
}

/* A quotation of the token for an error message, bounded in size. */
static char *token_excerpt(const SgaJsonStream *s)
{
    if (s->token->len <= SGA_JSON_ERROR_EXCERPT) {
        return g_strndup(s->token->str, s->token->len);
    }
    return g_strdup_printf("%.*s...", SGA_JSON_ERROR_EXCERPT, s->token->str);
}

static void lex_error(SgaJsonStream *s)
{
    if (!s->after_error) {
        g_autofree char *excerpt = token_excerpt(s);
        report(s, g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "JSON parse error, stray '%s'", excerpt));
    }
    message_discard(s);
    token_clear(s);
    s->after_error = TRUE;
    s->lex = LEX_RECOVERY;
}

/* The host sent 0xFF: forget the partial message and any error state, silently. */
static void sync_reset(SgaJsonStream *s)
{
    sga_json_stream_reset(s);
}

/* ---- grammar ---------------------------------------------------------------- */

static void G_GNUC_PRINTF(2, 3) parse_fail(SgaJsonStream *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (s->parse_error) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s->parse_error = g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "JSON parse error, %s", msg);
    /* Nothing more is built for this message; only its end is still tracked. */
    g_array_set_size(s->frames, 0);
    g_clear_pointer(&s->result, json_object_put);
    s->have_result = FALSE;
}

static Frame *frame_top(SgaJsonStream *s)
{
    return s->frames->len ? &g_array_index(s->frames, Frame, s->frames->len - 1) : NULL;
}

static int hex4(const char *p, const char *end)
{
    int cp = 0;

    if (end - p < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);
        if (d < 0) {
            return -1;
        }
        cp = (cp << 4) | d;
    }
    return cp;
}

/* Decode a string token (quotes included) into out; FALSE after parse_fail. */
static gboolean string_decode(SgaJsonStream *s, const char *text, size_t len, GString *out)
{
    const char *p = text + 1;
    const char *end = text + len - 1;   /* the closing quote */

    while (p < end) {
        const char *run = p;
        while (p < end && *p != '\\' && (unsigned char)*p < 0x80) {
            p++;
        }
        g_string_append_len(out, run, p - run);
        if (p == end) {
            break;
        }
        if (*p != '\\') {
            size_t n;
            if (sga_utf8_decode((const unsigned char *)p, end - p, &n) < 0) {
                parse_fail(s, "invalid UTF-8 sequence in string");
                return FALSE;
            }
            g_string_append_len(out, p, (gssize)n);
            p += n;
            continue;
        }
        const char *escape = p++;
        char c = *p++;      /* the lexer guarantees a character after '\\' */
        switch (c) {
        case '"': case '\'': case '\\': case '/':
            g_string_append_c(out, c);
            break;
        case 'b': g_string_append_c(out, '\b'); break;
        case 'f': g_string_append_c(out, '\f'); break;
        case 'n': g_string_append_c(out, '\n'); break;
        case 'r': g_string_append_c(out, '\r'); break;
        case 't': g_string_append_c(out, '\t'); break;
        case 'u': {
            char utf8[5];
            int cp = hex4(p, end);
            p += MIN(4, end - p);
            if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 2 && p[0] == '\\' && p[1] == 'u') {
                int trail = hex4(p + 2, end);
                if (trail >= 0xDC00 && trail <= 0xDFFF) {
                    cp = 0x10000 + ((cp & 0x3FF) << 10) + (trail & 0x3FF);
                    p += 6;
                } else {
                    cp = -1;
                }
            }
            if (sga_utf8_encode(utf8, cp) < 0) {
                /* qemu quotes six bytes (twelve for a pair) from the backslash even
                 * when the string ends sooner, and then its closing quote shows. */
                size_t shown = MIN(MAX((size_t)(p - escape), 6), (size_t)(end + 1 - escape));
                parse_fail(s, "%.*s is not a valid Unicode character", (int)shown, escape);
                return FALSE;
            }
            g_string_append(out, utf8);
            break;
        }
        default:
            parse_fail(s, "invalid escape sequence in string");
            return FALSE;
        }
    }
    return TRUE;
}

static json_object *number_value(const char *text, TokenType type)
{
    if (type == TOK_INTEGER) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno == 0) {
            return json_object_new_int64(v);
        }
        if (text[0] != '-') {
            errno = 0;
            unsigned long long u = strtoull(text, &end, 10);
            if (errno == 0) {
                return json_object_new_uint64(u);
            }
        }
        /* beyond 64 bits: a double, as in qemu */
    }
    return json_object_new_double(g_ascii_strtod(text, NULL));
}

static void value_deliver(SgaJsonStream *s, json_object *v)
{
    Frame *top = frame_top(s);

    if (!top) {
        s->result = v;
        s->have_result = TRUE;
        return;
    }
    if (top->state == FRAME_OBJECT_KEY_OR_END || top->state == FRAME_OBJECT_KEY) {
        /* A value in a key's place: qemu parses it whole, then rejects it. */
        json_object_put(v);
        parse_fail(s, "key is not a string in object");
        return;
    }
    if (top->state == FRAME_OBJECT_VALUE) {
        if (json_object_object_get_ex(top->container, top->key, NULL)) {
            json_object_put(v);
            parse_fail(s, "duplicate key");
            return;
        }
        json_object_object_add(top->container, top->key, v);
        g_clear_pointer(&top->key, g_free);
        top->state = FRAME_OBJECT_NEXT;
    } else {
        json_object_array_add(top->container, v);
        top->state = FRAME_ARRAY_NEXT;
    }
}

static void container_open(SgaJsonStream *s, json_object *container, FrameState state)
{
    Frame f = { .container = container, .state = state, .key = NULL };

    g_array_append_val(s->frames, f);
}

static void container_close(SgaJsonStream *s)
{
    Frame *top = frame_top(s);
    json_object *done = top->container;

    top->container = NULL;
    g_array_set_size(s->frames, s->frames->len - 1);
    value_deliver(s, done);
}

/* A token where a value must start. */
static void value_token(SgaJsonStream *s, TokenType type)
{
    const char *text = s->token->str;

    switch (type) {
    case TOK_LCURLY:
        container_open(s, json_object_new_object(), FRAME_OBJECT_KEY_OR_END);
        return;
    case TOK_LSQUARE:
        container_open(s, json_object_new_array(), FRAME_ARRAY_VALUE_OR_END);
        return;
    case TOK_STRING: {
        GString *decoded = g_string_sized_new(s->token->len);
        if (string_decode(s, text, s->token->len, decoded)) {
            value_deliver(s, json_object_new_string_len(decoded->str, (int)decoded->len));
        }
        g_string_free(decoded, TRUE);
        return;
    }
    case TOK_INTEGER:
    case TOK_FLOAT:
        value_deliver(s, number_value(text, type));
        return;
    case TOK_KEYWORD:
        if (strcmp(text, "true") == 0) {
            value_deliver(s, json_object_new_boolean(1));
        } else if (strcmp(text, "false") == 0) {
            value_deliver(s, json_object_new_boolean(0));
        } else if (strcmp(text, "null") == 0) {
            value_deliver(s, NULL);
        } else {
            g_autofree char *excerpt = token_excerpt(s);
            parse_fail(s, "invalid keyword '%s'", excerpt);
        }
        return;
    default:
        parse_fail(s, "expecting value");
        return;
    }
}

static void parser_push(SgaJsonStream *s, TokenType type)
{
    Frame *top;

    if (s->parse_error) {
        return;
    }
    top = frame_top(s);
    if (!top) {
        value_token(s, type);
        return;
    }
    switch (top->state) {
    case FRAME_OBJECT_KEY_OR_END:
        if (type == TOK_RCURLY) {
            container_close(s);
            return;
        }
        /* fall through */
    case FRAME_OBJECT_KEY:
        if (type == TOK_STRING) {
            GString *key = g_string_sized_new(s->token->len);
            if (string_decode(s, s->token->str, s->token->len, key)) {
                top = frame_top(s);
                top->key = g_string_free(key, FALSE);
                top->state = FRAME_OBJECT_COLON;
            } else {
                g_string_free(key, TRUE);
            }
        } else {
            /* As qemu: parsed as a value first, so an error inside it (an invalid
             * keyword, a malformed nested container) wins over the key error that
             * value_deliver reports for a value that is not a string. */
            value_token(s, type);
        }
        return;
    case FRAME_OBJECT_COLON:
        if (type == TOK_COLON) {
            top->state = FRAME_OBJECT_VALUE;
        } else {
            parse_fail(s, "missing : in object pair");
        }
        return;
    case FRAME_OBJECT_NEXT:
        if (type == TOK_COMMA) {
            top->state = FRAME_OBJECT_KEY;
        } else if (type == TOK_RCURLY) {
            container_close(s);
        } else {
            parse_fail(s, "expected separator in dict");
        }
        return;
    case FRAME_ARRAY_VALUE_OR_END:
        if (type == TOK_RSQUARE) {
            container_close(s);
            return;
        }
        /* fall through */
    case FRAME_OBJECT_VALUE:
    case FRAME_ARRAY_VALUE:
        value_token(s, type);
        return;
    case FRAME_ARRAY_NEXT:
        if (type == TOK_COMMA) {
            top->state = FRAME_ARRAY_VALUE;
        } else if (type == TOK_RSQUARE) {
            container_close(s);
        } else {
            parse_fail(s, "expected separator in list");
        }
        return;
    }
}

/* The message's last token arrived: hand over its value or its error. */
static void message_end(SgaJsonStream *s)
{
    if (s->skipping) {
        message_discard(s);     /* already reported when the limit was hit */
        return;
    }
    if (s->parse_error) {
        report(s, g_steal_pointer(&s->parse_error));
    } else if (s->have_result && s->frames->len == 0) {
        s->outcome = SGA_JSON_STREAM_VALUE;
        s->out_value = g_steal_pointer(&s->result);
        s->have_result = FALSE;
    } else {
        /* Unreachable with balanced counts; kept so a logic slip cannot go silent. */
        report(s, g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "JSON parse error, premature EOI"));
    }
    message_discard(s);
}

static void token_end(SgaJsonStream *s, TokenType type)
{
    switch (type) {
    case TOK_LCURLY: s->braces++; break;
    case TOK_RCURLY: s->braces--; break;
    case TOK_LSQUARE: s->brackets++; break;
    case TOK_RSQUARE: s->brackets--; break;
    default: break;
    }

    if (s->after_error && s->message_tokens == 0 && !s->skipping) {
        if (type != TOK_LCURLY && type != TOK_LSQUARE) {
            s->braces = s->brackets = 0;   /* debris of the bad message */
            token_clear(s);
            return;
        }
        s->after_error = FALSE;
    }

    if (!s->skipping) {
        size_t len = s->token->len ? s->token->len : 1;
        if (s->message_bytes + len + 1 > s->limits.max_message_bytes) {
            limit_exceeded(s, "token size");
        } else if (s->message_tokens + 1 > s->limits.max_tokens) {
            limit_exceeded(s, "token count");
        } else if ((size_t)MAX(0, s->braces + s->brackets) > s->limits.max_depth) {
            limit_exceeded(s, "nesting depth");
        } else {
            s->message_bytes += len;
            s->message_tokens++;
            parser_push(s, type);
        }
    }
    token_clear(s);

    if ((s->braces > 0 || s->brackets > 0) && s->braces >= 0 && s->brackets >= 0) {
        return;     /* the message goes on */
    }
    message_end(s);
}

/* ---- lexer ------------------------------------------------------------------ */

static gboolean byte_is_structural(unsigned char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':';
}

/* Skip bytes after a lexical error up to a promising restart point, as qemu does:
 * a structural character, a control character other than tab, or 0xFE/0xFF. */
static size_t lex_recovery(SgaJsonStream *s, const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = p[i];
        if ((c < 0x20 && c != '\t') || c >= 0xFE || byte_is_structural(c)) {
            s->lex = LEX_START;
            break;
        }
        i++;
    }
    return i;
}

static size_t lex_string(SgaJsonStream *s, const unsigned char *p, size_t n, char quote)
{
    size_t i = 0;

    while (i < n && p[i] >= 0x20 && p[i] <= 0xFD && p[i] != (unsigned char)quote && p[i] != '\\') {
        i++;
    }
    token_append(s, p, i);
    if (i == n) {
        return i;
    }
    unsigned char c = p[i];
    if (c == 0xFF) {
        sync_reset(s);
    } else if (c == (unsigned char)quote) {
        token_append(s, p + i, 1);
        s->lex = LEX_START;
        token_end(s, TOK_STRING);
    } else if (c == '\\') {
        token_append(s, p + i, 1);
        s->lex = quote == '"' ? LEX_DQ_ESCAPE : LEX_SQ_ESCAPE;
    } else {
        token_append(s, p + i, 1);   /* control character or 0xFE inside a string */
        lex_error(s);
    }
    return i + 1;
}

static size_t lex_start(SgaJsonStream *s, unsigned char c)
{
    TokenType structural;

    switch (c) {
    case ' ': case '\t': case '\r': case '\n':
        return 1;
    case '{': structural = TOK_LCURLY; break;
    case '}': structural = TOK_RCURLY; break;
    case '[': structural = TOK_LSQUARE; break;
    case ']': structural = TOK_RSQUARE; break;
    case ',': structural = TOK_COMMA; break;
    case ':': structural = TOK_COLON; break;
    case '"': s->lex = LEX_DQ; token_append(s, &c, 1); return 1;
    case '\'': s->lex = LEX_SQ; token_append(s, &c, 1); return 1;
    case '0': s->lex = LEX_ZERO; token_append(s, &c, 1); return 1;
    case '-': s->lex = LEX_SIGN; token_append(s, &c, 1); return 1;
    default:
        if (c >= '1' && c <= '9') {
            s->lex = LEX_DIGITS;
        } else if (c >= 'a' && c <= 'z') {
            s->lex = LEX_KEYWORD;
        } else {
            token_append(s, &c, 1);
            lex_error(s);
            return 1;
        }
        token_append(s, &c, 1);
        return 1;
    }
    token_end(s, structural);
    return 1;
}

/* Numbers and keywords: each state either takes c, ends the token without taking
 * c (0 consumed: c is read again in LEX_START), or fails on c. */
static size_t lex_number_or_keyword(SgaJsonStream *s, unsigned char c)
{
    gboolean digit = c >= '0' && c <= '9';
    LexState next;
    TokenType ends_as;

    switch (s->lex) {
    case LEX_ZERO:
        if (c == '.') {
            next = LEX_MANTISSA;
        } else if (digit) {
            goto fail;
        } else {
            ends_as = TOK_INTEGER;
            goto end;
        }
        break;
    case LEX_SIGN:
        if (c == '0') {
            next = LEX_ZERO;
        } else if (digit) {
            next = LEX_DIGITS;
        } else {
            goto fail;
        }
        break;
    case LEX_DIGITS:
        if (digit) {
            next = LEX_DIGITS;
        } else if (c == 'e' || c == 'E') {
            next = LEX_EXP_E;
        } else if (c == '.') {
            next = LEX_MANTISSA;
        } else {
            ends_as = TOK_INTEGER;
            goto end;
        }
        break;
    case LEX_MANTISSA:
        if (!digit) {
            goto fail;
        }
        next = LEX_MANTISSA_DIGITS;
        break;
    case LEX_MANTISSA_DIGITS:
        if (digit) {
            next = LEX_MANTISSA_DIGITS;
        } else if (c == 'e' || c == 'E') {
            next = LEX_EXP_E;
        } else {
            ends_as = TOK_FLOAT;
            goto end;
        }
        break;
    case LEX_EXP_E:
        if (c == '+' || c == '-') {
            next = LEX_EXP_SIGN;
        } else if (digit) {
            next = LEX_EXP_DIGITS;
        } else {
            goto fail;
        }
        break;
    case LEX_EXP_SIGN:
        if (!digit) {
            goto fail;
        }
        next = LEX_EXP_DIGITS;
        break;
    case LEX_EXP_DIGITS:
        if (!digit) {
            ends_as = TOK_FLOAT;
            goto end;
        }
        next = LEX_EXP_DIGITS;
        break;
    case LEX_KEYWORD:
        if (c < 'a' || c > 'z') {
            ends_as = TOK_KEYWORD;
            goto end;
        }
        next = LEX_KEYWORD;
        break;
    default:
        g_assert_not_reached();
    }
    s->lex = next;
    token_append(s, &c, 1);
    return 1;

end:
    s->lex = LEX_START;
    token_end(s, ends_as);
    return 0;

fail:
    token_append(s, &c, 1);
    lex_error(s);
    return 1;
}

static size_t lex_step(SgaJsonStream *s, const unsigned char *p, size_t n)
{
    switch (s->lex) {
    case LEX_START:
        if (p[0] == 0xFF) {
            sync_reset(s);
            return 1;
        }
        return lex_start(s, p[0]);
    case LEX_RECOVERY:
        return lex_recovery(s, p, n);
    case LEX_DQ:
        return lex_string(s, p, n, '"');
    case LEX_SQ:
        return lex_string(s, p, n, '\'');
    case LEX_DQ_ESCAPE:
    case LEX_SQ_ESCAPE:
        if (p[0] == 0xFF) {
            sync_reset(s);
            return 1;
        }
        token_append(s, p, 1);
        if (p[0] >= 0x20 && p[0] <= 0xFD) {
            s->lex = s->lex == LEX_DQ_ESCAPE ? LEX_DQ : LEX_SQ;
        } else {
            lex_error(s);
        }
        return 1;
    default:
        if (p[0] == 0xFF) {
            sync_reset(s);
            return 1;
        }
        return lex_number_or_keyword(s, p[0]);
    }
}

SgaJsonStreamResult sga_json_stream_feed(SgaJsonStream *s, const char *buf, size_t len,
                                         size_t *consumed, json_object **value, GError **error)
{
    const unsigned char *p = (const unsigned char *)buf;
    size_t i = 0;
    SgaJsonStreamResult outcome;

    s->outcome = SGA_JSON_STREAM_NEED_MORE;
    while (i < len && s->outcome == SGA_JSON_STREAM_NEED_MORE) {
        i += lex_step(s, p + i, len - i);
    }
    *consumed = i;
    outcome = s->outcome;
    s->outcome = SGA_JSON_STREAM_NEED_MORE;
    if (outcome == SGA_JSON_STREAM_VALUE) {
        *value = g_steal_pointer(&s->out_value);
    } else if (outcome == SGA_JSON_STREAM_ERROR) {
        g_propagate_error(error, g_steal_pointer(&s->out_error));
    }
    return outcome;
}
