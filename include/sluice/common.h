/*
 * sluice common types shared by the host and connector plugins:
 * byte buffers, ordered string maps, JSON/Connect values, errors and logging.
 * Everything here is exported by the sluice executable (linked with
 * -rdynamic) so plugins loaded from plugin.path call it directly.
 */
#ifndef SLUICE_COMMON_H
#define SLUICE_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

/* One error enum for the project; internals return 0 or a negative sl_err_t
 * (or -errno where the cause is a system call). */
typedef enum sl_err {
        SL_OK = 0,
        SL_ERR_INVALID = -1000, /* bad argument or input */
        SL_ERR_NOT_FOUND = -1001,
        SL_ERR_EXISTS = -1002,
        SL_ERR_PARSE = -1003,   /* malformed text (JSON, properties) */
        SL_ERR_CONFIG = -1004,  /* invalid configuration */
        SL_ERR_IO = -1005,
        SL_ERR_KAFKA = -1006,
        SL_ERR_STATE = -1007,   /* operation not allowed in this state */
        SL_ERR_NOMEM = -1008,
        SL_ERR_PLUGIN = -1009,
        SL_ERR_TIMEOUT = -1010,
        SL_ERR_CONVERT = -1011, /* converter could not (de)serialize */
        SL_ERR_RETRIABLE = -1012, /* transient (a server unreachable): retrying may succeed */
} sl_err_t;

/* Text for an sl_err_t, or strerror() for a negative errno. */
const char *sl_err2str(int err);

/* snprintf into errstr when errstr is not NULL; returns err unchanged so
 * callers can write `return sl_seterr(errstr, n, SL_ERR_INVALID, ...)`. */
int sl_seterr(char *errstr, size_t errstr_size, int err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* --------------------------------------------------------------- logging */

typedef enum sl_log_level {
        SL_LOG_TRACE = 0,
        SL_LOG_DEBUG,
        SL_LOG_INFO,
        SL_LOG_WARN,
        SL_LOG_ERROR,
} sl_log_level_t;

void sl_log(sl_log_level_t level, const char *logger, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void sl_log_set_level(sl_log_level_t level);
sl_log_level_t sl_log_get_level(void);

#define sl_info(logger, ...) sl_log(SL_LOG_INFO, logger, __VA_ARGS__)
#define sl_warn(logger, ...) sl_log(SL_LOG_WARN, logger, __VA_ARGS__)
#define sl_error(logger, ...) sl_log(SL_LOG_ERROR, logger, __VA_ARGS__)
#define sl_debug(logger, ...) sl_log(SL_LOG_DEBUG, logger, __VA_ARGS__)

/* Milliseconds on the monotonic clock (deadlines, intervals, back-off). */
int64_t sl_now_ms(void);
/* Milliseconds since the Unix epoch (timestamps others read). */
int64_t sl_epoch_ms(void);
/* Milliseconds from now until deadline (sl_now_ms time): 0 once passed,
 * -1 (wait forever) for a negative deadline, at most INT_MAX. */
int sl_ms_until(int64_t deadline);
/* Wait until fd is ready for events (POLLIN/POLLOUT) or the deadline
 * passes: 0, SL_ERR_TIMEOUT or -errno. */
int sl_fd_wait(int fd, short events, int64_t deadline);

/* ------------------------------------------------------------ sl_buf_t */

/* Growable byte buffer; data is always NUL-terminated (not counted in len). */
typedef struct sl_buf {
        char *data;
        size_t len;
        size_t cap;
} sl_buf_t;

#define SL_BUF_INIT {NULL, 0, 0}

void sl_buf_init(sl_buf_t *b);
void sl_buf_free(sl_buf_t *b);
void sl_buf_reset(sl_buf_t *b); /* len = 0, keeps memory */
int sl_buf_reserve(sl_buf_t *b, size_t extra);
/* Room for need elements of elem bytes in the array *arrayp (a T **)
 * holding *cap: grows by doubling, from first when empty. 0, or
 * SL_ERR_NOMEM with the array untouched. */
int sl_array_reserve(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first);
int sl_buf_append(sl_buf_t *b, const void *p, size_t n);
int sl_buf_puts(sl_buf_t *b, const char *s);
int sl_buf_putc(sl_buf_t *b, char c);
int sl_buf_printf(sl_buf_t *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
int sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
/* Hand the (NUL-terminated) data to the caller; the buffer becomes empty. */
char *sl_buf_detach(sl_buf_t *b, size_t *lenp);
/* Append the whole file at path, at most max bytes, read straight into the
 * buffer (no intermediate copies: callers read keys with it). data is
 * non-NULL afterwards even for an empty file. 0, -errno from open/read,
 * -EFBIG when the file holds more than max bytes, or SL_ERR_NOMEM. */
int sl_buf_read_file(sl_buf_t *b, const char *path, size_t max);

/* ---------------------------------------------------------- sl_strmap_t */

/* Ordered map of string -> string (keys unique, insertion order kept).
 * Used for every configuration: worker, connector and task configs. */
typedef struct sl_strmap sl_strmap_t;

sl_strmap_t *sl_strmap_new(void);
void sl_strmap_destroy(sl_strmap_t *m);
sl_strmap_t *sl_strmap_dup(const sl_strmap_t *m);
/* Copies key and value; replaces an existing value in place. */
int sl_strmap_set(sl_strmap_t *m, const char *key, const char *value);
int sl_strmap_setn(sl_strmap_t *m, const char *key, const char *value,
                   size_t value_len);
const char *sl_strmap_get(const sl_strmap_t *m, const char *key);
bool sl_strmap_has(const sl_strmap_t *m, const char *key);
int sl_strmap_del(sl_strmap_t *m, const char *key); /* 0 or SL_ERR_NOT_FOUND */
size_t sl_strmap_count(const sl_strmap_t *m);
const char *sl_strmap_key_at(const sl_strmap_t *m, size_t i);
const char *sl_strmap_value_at(const sl_strmap_t *m, size_t i);
void sl_strmap_clear(sl_strmap_t *m);
/* Entries whose key starts with prefix, with the prefix stripped. */
sl_strmap_t *sl_strmap_with_prefix(const sl_strmap_t *m, const char *prefix);
bool sl_strmap_equal(const sl_strmap_t *a, const sl_strmap_t *b);
/* Copies every entry of src into dst, replacing values of keys dst already
 * has (in place) and appending the others in src's order. 0, or
 * SL_ERR_NOMEM after which dst may hold only part of src (SL_ERR_INVALID
 * for a NULL dst). */
int sl_strmap_merge(sl_strmap_t *dst, const sl_strmap_t *src);

/* ----------------------------------------------------------- sl_json_t */

/* JSON document node. It doubles as a Kafka Connect value: INT/DOUBLE hold
 * every numeric Connect type, BYTES holds Connect BYTES (serialised as
 * base64 text), OBJECT holds both Connect MAP and STRUCT values. The
 * layout is public so a record value can live on the caller's stack. */
typedef enum sl_json_type {
        SL_JSON_NULL = 0,
        SL_JSON_BOOL,
        SL_JSON_INT,
        SL_JSON_DOUBLE,
        SL_JSON_STRING,
        SL_JSON_BYTES,
        SL_JSON_ARRAY,
        SL_JSON_OBJECT,
} sl_json_type_t;

typedef struct sl_json sl_json_t;

struct sl_json {
        sl_json_type_t type;
        /* STRING/BYTES only: 1 when str.ptr is borrowed (not freed by
         * sl_json_free); the memory must outlive the node. */
        uint8_t borrowed;
        union {
                bool b;
                int64_t i;
                double d;
                struct {
                        char *ptr; /* NUL-terminated when owned */
                        size_t len;
                } str;
                struct {
                        sl_json_t **items;
                        size_t len, cap;
                } arr;
                struct {
                        char **keys;
                        sl_json_t **vals;
                        size_t len, cap;
                } obj;
        } u;
};

/* Stack initialisers for values handed to the host without allocation. */
#define SL_JSON_STRING_REF(p, n)                                               \
        ((sl_json_t){.type = SL_JSON_STRING, .borrowed = 1,                    \
                     .u.str = {(char *)(p), (n)}})
#define SL_JSON_BYTES_REF(p, n)                                                \
        ((sl_json_t){.type = SL_JSON_BYTES, .borrowed = 1,                     \
                     .u.str = {(char *)(p), (n)}})

/* Parse one JSON text (whitespace around it allowed, nothing else).
 * Numbers without fraction/exponent that fit int64 become INT, others
 * DOUBLE. Returns NULL and a message with the byte offset on error. */
sl_json_t *sl_json_parse(const char *text, size_t len, char *errstr,
                         size_t errstr_size);
void sl_json_free(sl_json_t *j);
sl_json_t *sl_json_dup(const sl_json_t *j); /* deep copy, always owned */

sl_json_t *sl_json_null(void);
sl_json_t *sl_json_bool(bool b);
sl_json_t *sl_json_int(int64_t i);
sl_json_t *sl_json_double(double d);
sl_json_t *sl_json_string(const char *s); /* copies */
sl_json_t *sl_json_stringn(const char *s, size_t n);
sl_json_t *sl_json_bytes(const void *p, size_t n);
sl_json_t *sl_json_array(void);
sl_json_t *sl_json_object(void);

/* Takes ownership of v (freed on error too). */
int sl_json_array_append(sl_json_t *arr, sl_json_t *v);
/* Takes ownership of v; replaces (and frees) an existing value for key. */
int sl_json_object_set(sl_json_t *obj, const char *key, sl_json_t *v);
/* NULL when obj is not an object or has no such key. */
sl_json_t *sl_json_object_get(const sl_json_t *obj, const char *key);
int sl_json_object_del(sl_json_t *obj, const char *key);
/* Convenience: the string of key when it is a STRING, else NULL. */
const char *sl_json_object_get_str(const sl_json_t *obj, const char *key);

bool sl_json_equal(const sl_json_t *a, const sl_json_t *b);

/* Compact serialisation appended to out (no spaces, like Jackson's
 * default). Strings are escaped per RFC 8259; BYTES become base64 strings;
 * DOUBLE uses the shortest form that round-trips ("1.0" for integral
 * values, like Java). Returns 0 or SL_ERR_NOMEM. */
int sl_json_write(const sl_json_t *j, sl_buf_t *out);
/* Append s as a quoted, escaped JSON string. */
int sl_json_write_string(sl_buf_t *out, const char *s, size_t n);
/* Malloc'd compact text of j. */
char *sl_json_to_string(const sl_json_t *j);

/* String map <-> JSON object of strings. Non-string members are rejected
 * with a message naming the key (Kafka Connect configs are all strings). */
sl_json_t *sl_json_from_strmap(const sl_strmap_t *m);
int sl_json_to_strmap(const sl_json_t *obj, sl_strmap_t *out, char *errstr,
                      size_t errstr_size);

/* base64 (standard alphabet, padded) */
int sl_base64_encode(const void *p, size_t n, sl_buf_t *out);
int sl_base64_decode(const char *s, size_t n, sl_buf_t *out); /* 0 or SL_ERR_PARSE */

#ifdef __cplusplus
}
#endif
#endif
