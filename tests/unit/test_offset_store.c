#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sl_test.h"
#include "worker/offset_store.h"

static char dir[256];

static char *path_in_dir(const char *name) {
        static char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return p;
}

static sl_json_t *obj1(const char *k, sl_json_t *v) {
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, k, v);
        return o;
}

static void test_round_trip_through_file(void) {
        char err[512];
        const char *p = path_in_dir("rt.json");
        sl_offset_store_t *s = sl_offset_store_open(p, err, sizeof(err));
        sl_json_t *part = obj1("filename", sl_json_string("/a"));
        sl_json_t *off = obj1("position", sl_json_int(42));
        sl_json_t *got;

        CHECK(s != NULL);
        CHECK_INT(sl_offset_store_put(s, "c1", part, off), 0);
        CHECK_INT(sl_offset_store_flush(s, err, sizeof(err)), 0);
        sl_offset_store_close(s);

        s = sl_offset_store_open(p, err, sizeof(err));
        CHECK(s != NULL);
        got = sl_offset_store_get(s, "c1", part);
        CHECK(got && sl_json_equal(got, off));
        CHECK(sl_offset_store_get(s, "c2", part) == NULL);
        sl_json_free(got);
        sl_offset_store_close(s);
        sl_json_free(part);
        sl_json_free(off);
}

static void test_flush_leaves_no_temp_file(void) {
        char err[512], tmp[600];
        const char *p = path_in_dir("tmp.json");
        sl_offset_store_t *s = sl_offset_store_open(p, err, sizeof(err));
        sl_json_t *part = obj1("k", sl_json_string("v"));
        sl_json_t *off = obj1("n", sl_json_int(1));

        sl_offset_store_put(s, "c", part, off);
        CHECK_INT(sl_offset_store_flush(s, err, sizeof(err)), 0);
        snprintf(tmp, sizeof(tmp), "%s.tmp", p);
        CHECK(access(p, F_OK) == 0);
        CHECK(access(tmp, F_OK) != 0);
        sl_offset_store_close(s);
        sl_json_free(part);
        sl_json_free(off);
}

static void test_corrupt_file_is_an_error(void) {
        char err[512] = "";
        const char *p = path_in_dir("bad.json");
        FILE *f = fopen(p, "w");

        fputs("{\"format\":\"sluice-offsets\",\"offsets\":[", f);
        fclose(f);
        CHECK(sl_offset_store_open(p, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "corrupt") != NULL);
        CHECK(strstr(err, p) != NULL);
}

static void test_foreign_file_is_an_error(void) {
        char err[512] = "";
        const char *p = path_in_dir("foreign.json");
        FILE *f = fopen(p, "w");

        fputs("{\"offsets\":[]}", f);
        fclose(f);
        CHECK(sl_offset_store_open(p, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "not a sluice offsets file") != NULL);
}

static void test_list_and_remove_per_connector(void) {
        char err[512];
        sl_offset_store_t *s = sl_offset_store_open(path_in_dir("list.json"), err, sizeof(err));
        sl_json_t *p1 = obj1("f", sl_json_string("1")), *p2 = obj1("f", sl_json_string("2"));
        sl_json_t *o = obj1("pos", sl_json_int(7));
        sl_json_t *l;
        char *txt;

        sl_offset_store_put(s, "a", p1, o);
        sl_offset_store_put(s, "a", p2, o);
        sl_offset_store_put(s, "b", p1, o);
        l = sl_offset_store_list(s, "a");
        txt = sl_json_to_string(l);
        CHECK_STR(txt, "[{\"partition\":{\"f\":\"1\"},\"offset\":{\"pos\":7}},"
                       "{\"partition\":{\"f\":\"2\"},\"offset\":{\"pos\":7}}]");
        free(txt);
        sl_json_free(l);
        sl_offset_store_remove_all(s, "a");
        l = sl_offset_store_list(s, "a");
        CHECK_INT(l->u.arr.len, 0);
        sl_json_free(l);
        l = sl_offset_store_list(s, "b");
        CHECK_INT(l->u.arr.len, 1);
        sl_json_free(l);
        sl_offset_store_close(s);
        sl_json_free(p1);
        sl_json_free(p2);
        sl_json_free(o);
}

static void test_null_offset_removes_entry(void) {
        char err[512];
        sl_offset_store_t *s = sl_offset_store_open(path_in_dir("null.json"), err, sizeof(err));
        sl_json_t *p = obj1("f", sl_json_string("x"));
        sl_json_t *o = obj1("pos", sl_json_int(1));

        sl_offset_store_put(s, "a", p, o);
        sl_offset_store_put(s, "a", p, NULL);
        CHECK(sl_offset_store_get(s, "a", p) == NULL);
        sl_offset_store_close(s);
        sl_json_free(p);
        sl_json_free(o);
}

int main(void) {
        snprintf(dir, sizeof(dir), "/tmp/sl_offsets_XXXXXX");
        if (!mkdtemp(dir))
                return 1;
        RUN(test_round_trip_through_file);
        RUN(test_flush_leaves_no_temp_file);
        RUN(test_corrupt_file_is_an_error);
        RUN(test_foreign_file_is_an_error);
        RUN(test_list_and_remove_per_connector);
        RUN(test_null_offset_removes_entry);
        TEST_MAIN_END();
}
