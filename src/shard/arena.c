/* jemalloc arena binding through mallctl. */
#include "shard/arena.h"
#include "sluice/common.h"

#include <jemalloc/jemalloc.h>

/* Weak so binaries built without jemalloc (unit tests, sanitizer builds)
 * still link; mallctl is then NULL and we report SL_ERR_STATE. */
#pragma weak mallctl

int sl_arena_bind_new(unsigned *arena_out)
{
        if (!mallctl)
                return SL_ERR_STATE;
        unsigned arena;
        size_t sz = sizeof(arena);
        int r = mallctl("arenas.create", &arena, &sz, NULL, 0);
        if (r != 0)
                return -r;
        r = mallctl("thread.arena", NULL, NULL, &arena, sizeof(arena));
        if (r != 0)
                return -r;
        if (arena_out)
                *arena_out = arena;
        return 0;
}

unsigned sl_arena_current(void)
{
        if (!mallctl)
                return SL_ARENA_NONE;
        unsigned arena;
        size_t sz = sizeof(arena);
        if (mallctl("thread.arena", &arena, &sz, NULL, 0) != 0)
                return SL_ARENA_NONE;
        return arena;
}
