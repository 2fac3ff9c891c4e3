/* Per-shard jemalloc arenas. Linked with -ljemalloc; linked without it,
 * only the "not jemalloc" fallback is checked. */
#include "shard/arena.h"
#include "sluice/common.h"
#include "sl_test.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#pragma weak mallctl

typedef struct bind_result {
        int rc;
        unsigned arena;
        unsigned current;
        unsigned owner; /* arena that served an allocation after binding */
        char *block;    /* allocated here, freed by another thread */
} bind_result_t;

static unsigned arena_of(void *p)
{
        unsigned arena = SL_ARENA_NONE;
        size_t sz = sizeof(arena);
        if (mallctl("arenas.lookup", &arena, &sz, &p, sizeof(p)) != 0)
                return SL_ARENA_NONE;
        return arena;
}

static void *bind_thread(void *arg)
{
        bind_result_t *r = arg;
        r->rc = sl_arena_bind_new(&r->arena);
        r->current = sl_arena_current();
        void *probe = malloc(64);
        r->owner = arena_of(probe);
        free(probe);
        r->block = malloc(1000);
        if (r->block)
                memset(r->block, 'x', 1000);
        return NULL;
}

static void *free_thread(void *arg)
{
        free(arg);
        return NULL;
}

static void test_threads_get_distinct_arenas(void)
{
        bind_result_t a = {0}, b = {0};
        pthread_t ta, tb;
        CHECK_INT(pthread_create(&ta, NULL, bind_thread, &a), 0);
        CHECK_INT(pthread_create(&tb, NULL, bind_thread, &b), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        CHECK_INT(a.rc, 0);
        CHECK_INT(b.rc, 0);
        CHECK(a.arena != b.arena);
        CHECK_INT(a.current, a.arena);
        CHECK_INT(b.current, b.arena);
        CHECK_INT(a.owner, a.arena);
        CHECK_INT(b.owner, b.arena);
        /* Binding elsewhere leaves this thread's arena alone. */
        CHECK(sl_arena_current() != a.arena);
        CHECK(sl_arena_current() != b.arena);
        free(a.block);
        free(b.block);
}

static void test_cross_thread_free(void)
{
        bind_result_t a = {0};
        pthread_t t;
        CHECK_INT(pthread_create(&t, NULL, bind_thread, &a), 0);
        pthread_join(t, NULL);
        CHECK_INT(a.rc, 0);
        CHECK(a.block != NULL);
        if (!a.block)
                return;
        CHECK(a.block[0] == 'x' && a.block[999] == 'x');
        CHECK_INT(arena_of(a.block), a.arena);
        /* Freed by a thread bound to a different arena, after the owner
         * exited: jemalloc returns it to the owning arena. */
        bind_result_t other = {0};
        CHECK_INT(pthread_create(&t, NULL, bind_thread, &other), 0);
        pthread_join(t, NULL);
        CHECK_INT(pthread_create(&t, NULL, free_thread, a.block), 0);
        pthread_join(t, NULL);
        free(other.block);
}

static void test_bind_in_calling_thread(void)
{
        unsigned before = sl_arena_current(), arena = SL_ARENA_NONE;
        CHECK_INT(sl_arena_bind_new(&arena), 0);
        CHECK(arena != before);
        CHECK_INT(sl_arena_current(), arena);
        CHECK_INT(sl_arena_bind_new(NULL), 0);
        CHECK(sl_arena_current() != arena);
}

static void test_without_jemalloc(void)
{
        unsigned arena = 42;
        CHECK_INT(sl_arena_bind_new(&arena), SL_ERR_STATE);
        CHECK_INT(arena, 42);
        CHECK_INT(sl_arena_current(), SL_ARENA_NONE);
}

int main(void)
{
        if (!mallctl) {
                RUN(test_without_jemalloc);
                TEST_MAIN_END();
        }
        RUN(test_threads_get_distinct_arenas);
        RUN(test_cross_thread_free);
        RUN(test_bind_in_calling_thread);
        TEST_MAIN_END();
}
