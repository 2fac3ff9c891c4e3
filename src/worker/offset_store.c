#include "worker/offset_store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_NAME "sluice-offsets"
#define FORMAT_VERSION 1

struct sl_offset_store {
        pthread_mutex_t lock;
        char *path;
        /* key: compact JSON of ["connector",{partition}] -> offset node */
        sl_json_t *entries; /* object */
        bool dirty;
        /* topic mode: entries changed locally and not yet written; a JSON
         * null value is a removal */
        sl_json_t *pending;
        sl_offset_writer_t *write;
        void *write_opaque;
        pthread_mutex_t flush_lock; /* one flush at a time keeps write order */
};

char *sl_offset_store_key(const char *connector, const sl_json_t *partition) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_putc(&b, '[');
        sl_json_write_string(&b, connector, strlen(connector));
        sl_buf_putc(&b, ',');
        sl_json_write(partition, &b);
        sl_buf_putc(&b, ']');
        return sl_buf_detach(&b, NULL);
}

static int load_file(sl_offset_store_t *s, char *errstr, size_t errstr_size) {
        sl_buf_t b = SL_BUF_INIT;
        char perr[256];
        sl_json_t *doc, *offs;
        int rc = sl_buf_read_file(&b, s->path, SIZE_MAX / 2);

        if (rc == -ENOENT) {
                sl_buf_free(&b);
                return 0;
        }
        if (rc) {
                sl_buf_free(&b);
                return sl_seterr(errstr, errstr_size, rc, "Cannot read offsets file %s: %s",
                                 s->path, sl_err2str(rc));
        }
        if (b.len == 0) {
                sl_buf_free(&b);
                return 0;
        }
        doc = sl_json_parse(b.data, b.len, perr, sizeof(perr));
        sl_buf_free(&b);
        if (!doc)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Offsets file %s is corrupt: %s", s->path, perr);
        offs = sl_json_object_get(doc, "offsets");
        if (!offs || offs->type != SL_JSON_ARRAY ||
            !sl_json_object_get_str(doc, "format") ||
            strcmp(sl_json_object_get_str(doc, "format"), FORMAT_NAME)) {
                sl_json_free(doc);
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Offsets file %s is not a sluice offsets file", s->path);
        }
        for (size_t i = 0; i < offs->u.arr.len; i++) {
                sl_json_t *e = offs->u.arr.items[i];
                sl_json_t *key = sl_json_object_get(e, "key");
                sl_json_t *val = sl_json_object_get(e, "value");
                char *ks;

                if (!key || key->type != SL_JSON_ARRAY || key->u.arr.len != 2 ||
                    key->u.arr.items[0]->type != SL_JSON_STRING ||
                    key->u.arr.items[1]->type != SL_JSON_OBJECT || !val ||
                    val->type != SL_JSON_OBJECT) {
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                       "Offsets file %s: entry %zu is malformed", s->path, i);
                        break;
                }
                ks = sl_offset_store_key(key->u.arr.items[0]->u.str.ptr, key->u.arr.items[1]);
                sl_json_object_set(s->entries, ks, sl_json_dup(val));
                free(ks);
        }
        sl_json_free(doc);
        return rc;
}

sl_offset_store_t *sl_offset_store_open(const char *path, char *errstr, size_t errstr_size) {
        sl_offset_store_t *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->flush_lock, NULL);
        s->path = strdup(path);
        s->entries = sl_json_object();
        if (load_file(s, errstr, errstr_size) != 0) {
                sl_offset_store_close(s);
                return NULL;
        }
        return s;
}

void sl_offset_store_close(sl_offset_store_t *s) {
        if (!s)
                return;
        sl_json_free(s->entries);
        sl_json_free(s->pending);
        free(s->path);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->flush_lock);
        free(s);
}

int sl_offset_store_put(sl_offset_store_t *s, const char *connector,
                        const sl_json_t *partition, const sl_json_t *offset) {
        char *key = sl_offset_store_key(connector, partition);
        int rc = 0;

        pthread_mutex_lock(&s->lock);
        if (offset)
                rc = sl_json_object_set(s->entries, key, sl_json_dup(offset));
        else
                sl_json_object_del(s->entries, key); /* absent is fine */
        if (s->pending)
                sl_json_object_set(s->pending, key, offset ? sl_json_dup(offset) : sl_json_null());
        s->dirty = true;
        pthread_mutex_unlock(&s->lock);
        free(key);
        return rc;
}

sl_json_t *sl_offset_store_get(sl_offset_store_t *s, const char *connector,
                               const sl_json_t *partition) {
        char *key = sl_offset_store_key(connector, partition);
        sl_json_t *v;

        pthread_mutex_lock(&s->lock);
        v = sl_json_object_get(s->entries, key);
        v = v ? sl_json_dup(v) : NULL;
        pthread_mutex_unlock(&s->lock);
        free(key);
        return v;
}

/* Parsed ["connector",{partition}] of an entry key, or NULL. */
static sl_json_t *parse_key(const char *key) {
        sl_json_t *k = sl_json_parse(key, strlen(key), NULL, 0);
        if (k && (k->type != SL_JSON_ARRAY || k->u.arr.len != 2)) {
                sl_json_free(k);
                return NULL;
        }
        return k;
}

static bool key_is_connector(const sl_json_t *k, const char *connector) {
        const sl_json_t *c = k->u.arr.items[0];
        return c->type == SL_JSON_STRING && !strcmp(c->u.str.ptr, connector);
}

sl_json_t *sl_offset_store_list(sl_offset_store_t *s, const char *connector) {
        sl_json_t *out = sl_json_array();

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->entries->u.obj.len; i++) {
                sl_json_t *k = parse_key(s->entries->u.obj.keys[i]);
                if (k && key_is_connector(k, connector)) {
                        sl_json_t *e = sl_json_object();
                        sl_json_object_set(e, "partition", sl_json_dup(k->u.arr.items[1]));
                        sl_json_object_set(e, "offset", sl_json_dup(s->entries->u.obj.vals[i]));
                        sl_json_array_append(out, e);
                }
                sl_json_free(k);
        }
        pthread_mutex_unlock(&s->lock);
        return out;
}

int sl_offset_store_remove_all(sl_offset_store_t *s, const char *connector) {
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->entries->u.obj.len;) {
                sl_json_t *k = parse_key(s->entries->u.obj.keys[i]);
                if (k && key_is_connector(k, connector)) {
                        if (s->pending)
                                sl_json_object_set(s->pending, s->entries->u.obj.keys[i],
                                                   sl_json_null());
                        sl_json_object_del(s->entries, s->entries->u.obj.keys[i]);
                        s->dirty = true;
                } else {
                        i++;
                }
                sl_json_free(k);
        }
        pthread_mutex_unlock(&s->lock);
        return 0;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static int fsync_dir_of(const char *path) {
        char *copy = strdup(path);
        int fd, rc = 0;

        if (!copy)
                return SL_ERR_NOMEM;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
                if (fsync(fd) != 0)
                        rc = -errno;
                close(fd);
        }
        free(copy);
        return rc;
}

static void render(sl_offset_store_t *s, sl_buf_t *b) {
        sl_buf_printf(b, "{\"format\":\"%s\",\"version\":%d,\"offsets\":[", FORMAT_NAME,
                      FORMAT_VERSION);
        for (size_t i = 0; i < s->entries->u.obj.len; i++) {
                sl_buf_printf(b, "%s\n{\"key\":%s,\"value\":", i ? "," : "",
                              s->entries->u.obj.keys[i]);
                sl_json_write(s->entries->u.obj.vals[i], b);
                sl_buf_putc(b, '}');
        }
        sl_buf_puts(b, "]}\n");
}

/* Written outside the store lock (the writer may wait for Kafka); a failed
 * entry goes back into pending unless a newer value replaced it. */
static int flush_topic(sl_offset_store_t *s, char *errstr, size_t errstr_size) {
        sl_json_t *batch;
        int rc = 0;

        pthread_mutex_lock(&s->flush_lock);
        pthread_mutex_lock(&s->lock);
        batch = s->pending;
        s->pending = sl_json_object();
        s->dirty = false;
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; rc == 0 && i < batch->u.obj.len; i++) {
                const sl_json_t *v = batch->u.obj.vals[i];
                char *val = v->type == SL_JSON_NULL ? NULL : sl_json_to_string(v);
                const char *key = batch->u.obj.keys[i];

                if (!s->write)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                       "The offsets topic is not open yet");
                else
                        rc = s->write(s->write_opaque, key, strlen(key), val,
                                      val ? strlen(val) : 0, errstr, errstr_size);
                free(val);
        }
        if (rc == 0 && s->write && batch->u.obj.len)
                rc = s->write(s->write_opaque, NULL, 0, NULL, 0, errstr, errstr_size);
        if (rc != 0) {
                pthread_mutex_lock(&s->lock);
                for (size_t i = 0; i < batch->u.obj.len; i++)
                        if (!sl_json_object_get(s->pending, batch->u.obj.keys[i]))
                                sl_json_object_set(s->pending, batch->u.obj.keys[i],
                                                   sl_json_dup(batch->u.obj.vals[i]));
                s->dirty = true;
                pthread_mutex_unlock(&s->lock);
        }
        sl_json_free(batch);
        pthread_mutex_unlock(&s->flush_lock);
        return rc;
}

sl_offset_store_t *sl_offset_store_new_topic(void) {
        sl_offset_store_t *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->flush_lock, NULL);
        s->entries = sl_json_object();
        s->pending = sl_json_object();
        return s;
}

void sl_offset_store_set_writer(sl_offset_store_t *s, sl_offset_writer_t *write, void *opaque) {
        pthread_mutex_lock(&s->lock);
        s->write = write;
        s->write_opaque = opaque;
        pthread_mutex_unlock(&s->lock);
}

void sl_offset_store_apply(sl_offset_store_t *s, const char *key, size_t key_len,
                           const char *value, size_t value_len) {
        sl_json_t *k = sl_json_parse(key, key_len, NULL, 0);
        sl_json_t *v = value ? sl_json_parse(value, value_len, NULL, 0) : NULL;
        char *ks;

        if (!k || k->type != SL_JSON_ARRAY || k->u.arr.len != 2 ||
            k->u.arr.items[0]->type != SL_JSON_STRING ||
            k->u.arr.items[1]->type != SL_JSON_OBJECT || (value && !v)) {
                sl_warn("offsets", "Ignoring an offsets topic record with a malformed %s: %.*s",
                        value && !v ? "value" : "key", (int)(key_len > 200 ? 200 : key_len),
                        key);
                sl_json_free(k);
                sl_json_free(v);
                return;
        }
        ks = sl_offset_store_key(k->u.arr.items[0]->u.str.ptr, k->u.arr.items[1]);
        pthread_mutex_lock(&s->lock);
        /* a locally changed entry is newer than anything read back */
        if (!s->pending || !sl_json_object_get(s->pending, ks)) {
                if (v && v->type != SL_JSON_NULL) {
                        sl_json_object_set(s->entries, ks, v);
                        v = NULL;
                } else {
                        sl_json_object_del(s->entries, ks);
                }
        }
        pthread_mutex_unlock(&s->lock);
        free(ks);
        sl_json_free(k);
        sl_json_free(v);
}

int sl_offset_store_flush(sl_offset_store_t *s, char *errstr, size_t errstr_size) {
        sl_buf_t b = SL_BUF_INIT;
        char tmp[4096];
        int fd, rc;

        if (!s->path)
                return flush_topic(s, errstr, errstr_size);
        pthread_mutex_lock(&s->lock);
        if (!s->dirty) {
                pthread_mutex_unlock(&s->lock);
                return 0;
        }
        render(s, &b);
        s->dirty = false;
        snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                rc = -errno;
        } else {
                rc = write_all(fd, b.data, b.len);
                if (rc == 0 && fsync(fd) != 0)
                        rc = -errno;
                close(fd);
                if (rc == 0 && rename(tmp, s->path) != 0)
                        rc = -errno;
                if (rc == 0)
                        rc = fsync_dir_of(s->path);
                else
                        unlink(tmp);
        }
        if (rc != 0)
                s->dirty = true; /* retried at the next flush */
        pthread_mutex_unlock(&s->lock);
        sl_buf_free(&b);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, rc, "Cannot write offsets file %s: %s",
                                 s->path, sl_err2str(rc));
        return 0;
}
