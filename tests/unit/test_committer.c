#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sl_test.h"
#include "worker/committer.h"

static char dir[256];

static sl_json_t *obj_int(const char *k, int64_t v) {
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, k, sl_json_int(v));
        return o;
}

static int64_t stored_pos(sl_offset_store_t *s, const char *conn, sl_json_t *part) {
        sl_json_t *o = sl_offset_store_get(s, conn, part);
        int64_t v = o ? sl_json_object_get(o, "pos")->u.i : -1;
        sl_json_free(o);
        return v;
}

typedef struct producer {
        sl_committer_t *c;
        int shard, count;
} producer_t;

/* A shard thread: submits increasing offsets, retrying when the ring is full. */
static void *produce(void *arg) {
        producer_t *p = arg;
        char conn[32];
        sl_json_t *part = obj_int("shard", p->shard);

        snprintf(conn, sizeof(conn), "c%d", p->shard);
        for (int i = 1; i <= p->count; i++) {
                sl_json_t *off = obj_int("pos", i);
                while (!sl_committer_submit(p->c, p->shard, conn, part, off))
                        usleep(100);
                sl_json_free(off);
        }
        sl_json_free(part);
        return NULL;
}

static void test_offsets_from_two_shards_arrive_in_order(void) {
        char err[256], path[512];
        sl_offset_store_t *s;
        sl_committer_t *c;
        pthread_t th[2];
        producer_t p[2];

        snprintf(path, sizeof(path), "%s/order.json", dir);
        s = sl_offset_store_open(path, err, sizeof(err));
        c = sl_committer_start(s, 2, 60000, err, sizeof(err));
        CHECK(c != NULL);
        for (int i = 0; i < 2; i++) {
                p[i] = (producer_t){c, i, 20000};
                pthread_create(&th[i], NULL, produce, &p[i]);
        }
        for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
        sl_committer_sync(c);
        for (int i = 0; i < 2; i++) {
                char conn[32];
                sl_json_t *part = obj_int("shard", i);
                snprintf(conn, sizeof(conn), "c%d", i);
                /* the last submitted (highest) offset wins: order was kept */
                CHECK_INT(stored_pos(s, conn, part), 20000);
                sl_json_free(part);
        }
        sl_committer_stop(c);
        sl_offset_store_close(s);
}

static void test_stop_flushes_to_file(void) {
        char err[256], path[512];
        sl_offset_store_t *s;
        sl_committer_t *c;
        sl_json_t *part = obj_int("p", 1), *off = obj_int("pos", 7);

        snprintf(path, sizeof(path), "%s/flush.json", dir);
        s = sl_offset_store_open(path, err, sizeof(err));
        c = sl_committer_start(s, 1, 600000, err, sizeof(err));
        CHECK(sl_committer_submit(c, 0, "x", part, off));
        sl_committer_stop(c);
        sl_offset_store_close(s);
        s = sl_offset_store_open(path, err, sizeof(err));
        CHECK_INT(stored_pos(s, "x", part), 7);
        sl_offset_store_close(s);
        sl_json_free(part);
        sl_json_free(off);
}

static void test_unknown_shard_is_refused(void) {
        char err[256], path[512];
        sl_offset_store_t *s;
        sl_committer_t *c;
        sl_json_t *part = obj_int("p", 1), *off = obj_int("pos", 1);

        snprintf(path, sizeof(path), "%s/refuse.json", dir);
        s = sl_offset_store_open(path, err, sizeof(err));
        c = sl_committer_start(s, 1, 600000, err, sizeof(err));
        CHECK(!sl_committer_submit(c, 1, "x", part, off));
        CHECK(!sl_committer_submit(c, -1, "x", part, off));
        sl_committer_stop(c);
        sl_offset_store_close(s);
        sl_json_free(part);
        sl_json_free(off);
}

int main(void) {
        snprintf(dir, sizeof(dir), "/tmp/sl_committer_XXXXXX");
        if (!mkdtemp(dir))
                return 1;
        RUN(test_offsets_from_two_shards_arrive_in_order);
        RUN(test_stop_flushes_to_file);
        RUN(test_unknown_shard_is_refused);
        TEST_MAIN_END();
}
