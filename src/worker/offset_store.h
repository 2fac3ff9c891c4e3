/* Source offsets, keyed like Kafka Connect's offsets topic:
 * ["<connector>",{source partition}] -> {source offset}. The standalone
 * store keeps them in memory and writes them atomically to
 * offset.storage.file.filename (temp file, fsync, rename, fsync dir). */
#ifndef SL_OFFSET_STORE_H
#define SL_OFFSET_STORE_H

#include "sluice/common.h"

typedef struct sl_offset_store sl_offset_store_t;

/* Loads the file when it exists; a corrupt file is an error (never
 * silently reset: that would re-ingest or skip data). */
sl_offset_store_t *sl_offset_store_open(const char *path, char *errstr,
                                        size_t errstr_size);
void sl_offset_store_close(sl_offset_store_t *s);

/* partition/offset are JSON objects; offset NULL removes the entry. */
int sl_offset_store_put(sl_offset_store_t *s, const char *connector,
                        const sl_json_t *partition, const sl_json_t *offset);
/* The entry's key as the offsets topic holds it (compact JSON
 * ["connector",{partition}]); malloc'd, NULL without memory. */
char *sl_offset_store_key(const char *connector, const sl_json_t *partition);
/* New copy of the stored offset, or NULL. */
sl_json_t *sl_offset_store_get(sl_offset_store_t *s, const char *connector,
                               const sl_json_t *partition);
/* [{"partition":{..},"offset":{..}}, ...] for one connector. */
sl_json_t *sl_offset_store_list(sl_offset_store_t *s, const char *connector);
/* Removes every entry of a connector. */
int sl_offset_store_remove_all(sl_offset_store_t *s, const char *connector);
/* Writes the file if anything changed since the last write (or, with a
 * writer, hands every changed entry to it). */
int sl_offset_store_flush(sl_offset_store_t *s, char *errstr, size_t errstr_size);

/* Distributed mode: the entries mirror the offsets topic. A store without a
 * file takes its contents from sl_offset_store_apply (records read back from
 * the topic, in log order) and flush writes changed entries through write
 * (value NULL = tombstone), then calls write with key NULL to wait for them
 * all. write returns 0 or an error with errstr. */
typedef int(sl_offset_writer_t)(void *opaque, const char *key, size_t key_len,
                                const char *value, size_t value_len, char *errstr,
                                size_t errstr_size);
sl_offset_store_t *sl_offset_store_new_topic(void);
void sl_offset_store_set_writer(sl_offset_store_t *s, sl_offset_writer_t *write, void *opaque);
/* One offsets-topic record (key ["connector",{partition}] JSON, value JSON
 * or NULL). Unparseable keys are ignored with a warning, as Kafka does. */
void sl_offset_store_apply(sl_offset_store_t *s, const char *key, size_t key_len,
                           const char *value, size_t value_len);

#endif
