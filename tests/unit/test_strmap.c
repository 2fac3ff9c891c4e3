/* sl_strmap_t: ordered string map used for every configuration. */
#include "sluice/common.h"
#include "sl_test.h"

#include <stdio.h>

static void test_set_get(void)
{
        sl_strmap_t *m = sl_strmap_new();
        CHECK_INT(sl_strmap_count(m), 0);
        CHECK(sl_strmap_get(m, "a") == NULL);
        CHECK_INT(sl_strmap_set(m, "a", "1"), 0);
        CHECK_INT(sl_strmap_set(m, "b", ""), 0);
        CHECK_STR(sl_strmap_get(m, "a"), "1");
        CHECK_STR(sl_strmap_get(m, "b"), "");
        CHECK(sl_strmap_has(m, "b"));
        CHECK(!sl_strmap_has(m, "c"));
        CHECK_INT(sl_strmap_count(m), 2);
        sl_strmap_destroy(m);
}

static void test_copies_key_and_value(void)
{
        sl_strmap_t *m = sl_strmap_new();
        char k[] = "key", v[] = "value";
        sl_strmap_set(m, k, v);
        k[0] = 'X';
        v[0] = 'X';
        CHECK_STR(sl_strmap_get(m, "key"), "value");
        sl_strmap_destroy(m);
}

static void test_setn(void)
{
        sl_strmap_t *m = sl_strmap_new();
        CHECK_INT(sl_strmap_setn(m, "k", "abcdef", 3), 0);
        CHECK_STR(sl_strmap_get(m, "k"), "abc");
        CHECK_INT(sl_strmap_setn(m, "e", NULL, 0), 0);
        CHECK_STR(sl_strmap_get(m, "e"), "");
        sl_strmap_destroy(m);
}

static void test_replace_keeps_position(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "a", "1");
        sl_strmap_set(m, "b", "2");
        sl_strmap_set(m, "c", "3");
        CHECK_INT(sl_strmap_set(m, "b", "two"), 0);
        CHECK_INT(sl_strmap_count(m), 3);
        CHECK_STR(sl_strmap_key_at(m, 1), "b");
        CHECK_STR(sl_strmap_value_at(m, 1), "two");
        sl_strmap_destroy(m);
}

static void test_insertion_order(void)
{
        sl_strmap_t *m = sl_strmap_new();
        const char *keys[] = {"zeta", "alpha", "mid", "beta"};
        for (int i = 0; i < 4; i++)
                sl_strmap_set(m, keys[i], keys[i]);
        for (size_t i = 0; i < 4; i++) {
                CHECK_STR(sl_strmap_key_at(m, i), keys[i]);
                CHECK_STR(sl_strmap_value_at(m, i), keys[i]);
        }
        CHECK(sl_strmap_key_at(m, 4) == NULL);
        CHECK(sl_strmap_value_at(m, 4) == NULL);
        sl_strmap_destroy(m);
}

static void test_del(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "a", "1");
        sl_strmap_set(m, "b", "2");
        sl_strmap_set(m, "c", "3");
        CHECK_INT(sl_strmap_del(m, "b"), 0);
        CHECK_INT(sl_strmap_del(m, "b"), SL_ERR_NOT_FOUND);
        CHECK_INT(sl_strmap_count(m), 2);
        CHECK_STR(sl_strmap_key_at(m, 0), "a");
        CHECK_STR(sl_strmap_key_at(m, 1), "c");
        CHECK(sl_strmap_get(m, "b") == NULL);
        /* Re-adding goes to the end. */
        sl_strmap_set(m, "b", "again");
        CHECK_STR(sl_strmap_key_at(m, 2), "b");
        CHECK_INT(sl_strmap_del(m, "a"), 0);
        CHECK_INT(sl_strmap_del(m, "b"), 0);
        CHECK_INT(sl_strmap_del(m, "c"), 0);
        CHECK_INT(sl_strmap_count(m), 0);
        sl_strmap_destroy(m);
}

static void test_many_entries(void)
{
        sl_strmap_t *m = sl_strmap_new();
        char k[32], v[32];
        for (int i = 0; i < 1000; i++) {
                snprintf(k, sizeof(k), "key.%d", i);
                snprintf(v, sizeof(v), "%d", i * 2);
                CHECK_INT(sl_strmap_set(m, k, v), 0);
        }
        CHECK_INT(sl_strmap_count(m), 1000);
        CHECK_STR(sl_strmap_get(m, "key.999"), "1998");
        CHECK_STR(sl_strmap_key_at(m, 500), "key.500");
        sl_strmap_destroy(m);
}

static void test_clear_and_reuse(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "a", "1");
        sl_strmap_set(m, "b", "2");
        sl_strmap_clear(m);
        CHECK_INT(sl_strmap_count(m), 0);
        CHECK(!sl_strmap_has(m, "a"));
        sl_strmap_set(m, "c", "3");
        CHECK_STR(sl_strmap_key_at(m, 0), "c");
        sl_strmap_destroy(m);
        sl_strmap_destroy(NULL);
}

static void test_dup_is_independent(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "a", "1");
        sl_strmap_set(m, "b", "2");
        sl_strmap_t *d = sl_strmap_dup(m);
        CHECK(sl_strmap_equal(m, d));
        CHECK_STR(sl_strmap_key_at(d, 1), "b");
        sl_strmap_set(m, "a", "changed");
        CHECK_STR(sl_strmap_get(d, "a"), "1");
        sl_strmap_destroy(m);
        CHECK_STR(sl_strmap_get(d, "b"), "2");
        sl_strmap_destroy(d);
}

static void test_with_prefix(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "producer.acks", "all");
        sl_strmap_set(m, "consumer.group.id", "g");
        sl_strmap_set(m, "producer.", "empty-key");
        sl_strmap_set(m, "producerx", "no");
        sl_strmap_set(m, "producer.linger.ms", "5");
        sl_strmap_t *p = sl_strmap_with_prefix(m, "producer.");
        CHECK(p != NULL && p != m);
        CHECK_INT(sl_strmap_count(p), 3);
        CHECK_STR(sl_strmap_key_at(p, 0), "acks");
        CHECK_STR(sl_strmap_key_at(p, 1), "");
        CHECK_STR(sl_strmap_value_at(p, 1), "empty-key");
        CHECK_STR(sl_strmap_get(p, "linger.ms"), "5");
        CHECK(!sl_strmap_has(p, "x"));
        sl_strmap_t *none = sl_strmap_with_prefix(m, "admin.");
        CHECK(none != NULL);
        CHECK_INT(sl_strmap_count(none), 0);
        CHECK_INT(sl_strmap_count(m), 5);
        sl_strmap_destroy(none);
        sl_strmap_destroy(p);
        sl_strmap_destroy(m);
}

static void test_equal_order_insensitive(void)
{
        sl_strmap_t *a = sl_strmap_new(), *b = sl_strmap_new();
        CHECK(sl_strmap_equal(a, b));
        sl_strmap_set(a, "x", "1");
        sl_strmap_set(a, "y", "2");
        sl_strmap_set(b, "y", "2");
        CHECK(!sl_strmap_equal(a, b));
        sl_strmap_set(b, "x", "1");
        CHECK(sl_strmap_equal(a, b));
        CHECK(sl_strmap_equal(b, a));
        sl_strmap_set(b, "x", "other");
        CHECK(!sl_strmap_equal(a, b));
        sl_strmap_set(b, "x", "1");
        sl_strmap_set(b, "z", "3");
        CHECK(!sl_strmap_equal(a, b));
        CHECK(!sl_strmap_equal(b, a));
        sl_strmap_del(b, "z");
        sl_strmap_del(b, "x");
        sl_strmap_set(b, "w", "1");
        CHECK(!sl_strmap_equal(a, b));
        sl_strmap_destroy(a);
        sl_strmap_destroy(b);
}

static void test_merge(void)
{
        sl_strmap_t *dst = sl_strmap_new(), *src = sl_strmap_new();
        sl_strmap_set(dst, "a", "1");
        sl_strmap_set(dst, "b", "2");
        sl_strmap_set(src, "c", "3");
        sl_strmap_set(src, "b", "two");
        sl_strmap_set(src, "d", "");
        CHECK_INT(sl_strmap_merge(dst, src), 0);
        CHECK_INT(sl_strmap_count(dst), 4);
        /* Replaced values keep their place; new keys follow in src order. */
        CHECK_STR(sl_strmap_key_at(dst, 0), "a");
        CHECK_STR(sl_strmap_value_at(dst, 0), "1");
        CHECK_STR(sl_strmap_key_at(dst, 1), "b");
        CHECK_STR(sl_strmap_value_at(dst, 1), "two");
        CHECK_STR(sl_strmap_key_at(dst, 2), "c");
        CHECK_STR(sl_strmap_key_at(dst, 3), "d");
        CHECK_STR(sl_strmap_value_at(dst, 3), "");
        /* src is left as it was, and dst holds copies. */
        CHECK_INT(sl_strmap_count(src), 3);
        CHECK_STR(sl_strmap_get(src, "b"), "two");
        sl_strmap_set(src, "c", "changed");
        CHECK_STR(sl_strmap_get(dst, "c"), "3");
        sl_strmap_destroy(src);
        CHECK_STR(sl_strmap_get(dst, "d"), "");
        sl_strmap_destroy(dst);
}

static void test_merge_edge_cases(void)
{
        sl_strmap_t *m = sl_strmap_new(), *empty = sl_strmap_new();
        sl_strmap_set(m, "a", "1");
        CHECK_INT(sl_strmap_merge(m, NULL), 0);
        CHECK_INT(sl_strmap_merge(m, empty), 0);
        CHECK_INT(sl_strmap_count(m), 1);
        CHECK_INT(sl_strmap_merge(empty, m), 0);
        CHECK(sl_strmap_equal(empty, m));
        CHECK_INT(sl_strmap_merge(m, m), 0);
        CHECK_INT(sl_strmap_count(m), 1);
        CHECK_STR(sl_strmap_get(m, "a"), "1");
        CHECK_INT(sl_strmap_merge(NULL, m), SL_ERR_INVALID);
        sl_strmap_destroy(empty);
        sl_strmap_destroy(m);
}

int main(void)
{
        RUN(test_set_get);
        RUN(test_copies_key_and_value);
        RUN(test_setn);
        RUN(test_replace_keeps_position);
        RUN(test_insertion_order);
        RUN(test_del);
        RUN(test_many_entries);
        RUN(test_clear_and_reuse);
        RUN(test_dup_is_independent);
        RUN(test_with_prefix);
        RUN(test_equal_order_insensitive);
        RUN(test_merge);
        RUN(test_merge_edge_cases);
        TEST_MAIN_END();
}
