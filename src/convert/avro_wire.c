/* Checks of Avro binary before libavro reads it: libavro trusts lengths
 * and block counts from the wire and can crash on a corrupt one, so each
 * length, block count, enum index and union branch is checked against
 * the bytes left and the schema, and nesting is bounded, before
 * avro_value_read sees the datum. */
#include "convert/avro_int.h"

/* Collections of items that take no bytes (null, empty records) could
 * claim billions of elements in a few bytes; no real datum has this many. */
#define MAX_EMPTY_ITEMS 1000000

typedef struct wire {
        const unsigned char *p;
        size_t len, off;
        int depth;
} wire_t;

static int read_varint(wire_t *w, int64_t *out)
{
        uint64_t u = 0;
        for (int shift = 0; shift < 64; shift += 7) {
                if (w->off >= w->len)
                        return -1;
                unsigned char b = w->p[w->off++];
                u |= (uint64_t)(b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
                        return 0;
                }
        }
        return -1;
}

static int skip(wire_t *w, int64_t n)
{
        if (n < 0 || (uint64_t)n > w->len - w->off)
                return -1;
        w->off += (size_t)n;
        return 0;
}

/* Fewest bytes a datum of s takes (0 for null and empty records). */
static size_t min_size(avro_schema_t s, int depth)
{
        s = sl_avro_real_schema(s);
        if (depth > MAX_DEPTH)
                return 1;
        switch (avro_typeof(s)) {
        case AVRO_NULL:
                return 0;
        case AVRO_FIXED:
                return (size_t)avro_schema_fixed_size(s);
        case AVRO_RECORD: {
                size_t n = 0;
                for (size_t i = 0; i < avro_schema_record_size(s) && !n; i++)
                        n += min_size(avro_schema_record_field_get_by_index(
                                              s, (int)i),
                                      depth + 1);
                return n;
        }
        default:
                return 1;
        }
}

static int check(wire_t *w, avro_schema_t s);

static int check_blocks(wire_t *w, avro_schema_t items, bool map)
{
        size_t per = min_size(items, 0) + (map ? 1 : 0);
        int64_t total = 0, count;
        for (;;) {
                if (read_varint(w, &count) < 0)
                        return -1;
                if (count == 0)
                        return 0;
                if (count < 0) {
                        int64_t bytes;
                        if (count == INT64_MIN || read_varint(w, &bytes) < 0 ||
                            bytes < 0)
                                return -1;
                        count = -count;
                }
                if (per ? (uint64_t)count > (w->len - w->off) / per
                        : (total += count) > MAX_EMPTY_ITEMS)
                        return -1;
                for (int64_t i = 0; i < count; i++) {
                        if (map) {
                                int64_t klen;
                                if (read_varint(w, &klen) < 0 ||
                                    skip(w, klen) < 0)
                                        return -1;
                        }
                        TRY(check(w, items));
                }
        }
}

static int check(wire_t *w, avro_schema_t s)
{
        s = sl_avro_real_schema(s);
        int64_t v;
        int rc = 0;
        if (++w->depth > MAX_DEPTH)
                return -1;
        switch (avro_typeof(s)) {
        case AVRO_NULL:
                break;
        case AVRO_BOOLEAN:
                rc = skip(w, 1);
                break;
        case AVRO_INT32:
                rc = read_varint(w, &v) < 0 || v < INT32_MIN || v > INT32_MAX
                             ? -1
                             : 0;
                break;
        case AVRO_INT64:
                rc = read_varint(w, &v);
                break;
        case AVRO_FLOAT:
                rc = skip(w, 4);
                break;
        case AVRO_DOUBLE:
                rc = skip(w, 8);
                break;
        case AVRO_STRING:
        case AVRO_BYTES:
                rc = read_varint(w, &v) < 0 ? -1 : skip(w, v);
                break;
        case AVRO_FIXED:
                rc = skip(w, avro_schema_fixed_size(s));
                break;
        case AVRO_ENUM:
                rc = read_varint(w, &v) < 0 || v < 0 ||
                                     v >= avro_schema_enum_number_of_symbols(s)
                             ? -1
                             : 0;
                break;
        case AVRO_UNION:
                if (read_varint(w, &v) < 0 || v < 0 ||
                    (uint64_t)v >= avro_schema_union_size(s))
                        rc = -1;
                else
                        rc = check(w, avro_schema_union_branch(s, (int)v));
                break;
        case AVRO_RECORD:
                for (size_t i = 0; rc == 0 && i < avro_schema_record_size(s);
                     i++)
                        rc = check(w, avro_schema_record_field_get_by_index(
                                              s, (int)i));
                break;
        case AVRO_ARRAY:
                rc = check_blocks(w, avro_schema_array_items(s), false);
                break;
        case AVRO_MAP:
                rc = check_blocks(w, avro_schema_map_values(s), true);
                break;
        default:
                rc = -1;
        }
        w->depth--;
        return rc;
}

int sl_avro_check_binary(avro_schema_t schema, const void *p, size_t len,
                         char *errstr, size_t errstr_size)
{
        wire_t w = {p, len, 0, 0};
        if (check(&w, schema) < 0)
                return ERR(errstr, errstr_size,
                           w.depth > MAX_DEPTH
                                   ? "Avro data nested too deeply"
                                   : "Malformed Avro data: invalid length, "
                                     "count or index, or data ends early");
        return 0;
}
