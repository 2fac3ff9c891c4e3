/* The leader's assignment: sticky, balanced, deterministic. */
#include <string.h>

#include "distributed/assign.h"
#include "sl_test.h"

static const char *const W3[] = {"w1", "w2", "w3"};
static const char *const T6[] = {"a-0", "a-1", "a-2", "b-0", "b-1", "b-2"};

static int count_on(const sl_json_t *a, const char *w) {
        int n = 0;
        for (size_t i = 0; i < a->u.obj.len; i++)
                n += !strcmp(a->u.obj.vals[i]->u.str.ptr, w);
        return n;
}

static void test_spreads_evenly(void) {
        sl_json_t *a = sl_assign(NULL, W3, 3, T6, 6);
        CHECK_INT((int)a->u.obj.len, 6);
        for (int i = 0; i < 3; i++)
                CHECK_INT(count_on(a, W3[i]), 2);
        sl_json_free(a);
}

static void test_survivors_keep_theirs(void) {
        sl_json_t *prev = sl_assign(NULL, W3, 3, T6, 6);
        static const char *const alive[] = {"w1", "w3"};
        sl_json_t *next = sl_assign(prev, alive, 2, T6, 6);

        for (int i = 0; i < 6; i++) {
                const char *was = sl_json_object_get_str(prev, T6[i]);
                const char *now = sl_json_object_get_str(next, T6[i]);
                if (strcmp(was, "w2") != 0)
                        CHECK_STR(now, was);
                else
                        CHECK(strcmp(now, "w2") != 0);
        }
        CHECK_INT(count_on(next, "w1"), 3);
        CHECK_INT(count_on(next, "w3"), 3);
        sl_json_free(prev);
        sl_json_free(next);
}

static void test_new_worker_gets_a_share(void) {
        static const char *const two[] = {"w1", "w2"};
        sl_json_t *prev = sl_assign(NULL, two, 2, T6, 6);
        sl_json_t *next = sl_assign(prev, W3, 3, T6, 6);
        int moved = 0;

        for (int i = 0; i < 6; i++)
                moved += strcmp(sl_json_object_get_str(prev, T6[i]),
                                sl_json_object_get_str(next, T6[i])) != 0;
        CHECK_INT(count_on(next, "w3"), 2);
        CHECK_INT(moved, 2); /* only what the new worker takes moves */
        sl_json_free(prev);
        sl_json_free(next);
}

static void test_deterministic(void) {
        sl_json_t *a = sl_assign(NULL, W3, 3, T6, 6), *b = sl_assign(NULL, W3, 3, T6, 6);
        CHECK(sl_json_equal(a, b));
        sl_json_free(a);
        sl_json_free(b);
}

static void test_no_workers(void) {
        sl_json_t *a = sl_assign(NULL, W3, 0, T6, 6);
        CHECK_INT((int)a->u.obj.len, 0);
        sl_json_free(a);
}

int main(void) {
        RUN(test_spreads_evenly);
        RUN(test_survivors_keep_theirs);
        RUN(test_new_worker_gets_a_share);
        RUN(test_deterministic);
        RUN(test_no_workers);
        TEST_MAIN_END();
}
