#include "distributed/assign.h"

#include <stdlib.h>
#include <string.h>

static int worker_index(const char *const *workers, int n, const char *w) {
        for (int i = 0; w && i < n; i++)
                if (!strcmp(workers[i], w))
                        return i;
        return -1;
}

static int least_loaded(const int *load, int n) {
        int best = 0;
        for (int i = 1; i < n; i++)
                if (load[i] < load[best])
                        best = i;
        return best;
}

static int most_loaded(const int *load, int n) {
        int best = 0;
        for (int i = 1; i < n; i++)
                if (load[i] > load[best])
                        best = i;
        return best;
}

sl_json_t *sl_assign(const sl_json_t *prev, const char *const *workers, int nworkers,
                     const char *const *instances, int ninstances) {
        sl_json_t *out = sl_json_object();
        int *owner, *load;

        if (nworkers <= 0 || ninstances <= 0)
                return out;
        owner = calloc((size_t)ninstances, sizeof(*owner));
        load = calloc((size_t)nworkers, sizeof(*load));
        if (!owner || !load) {
                free(owner);
                free(load);
                return out;
        }
        for (int i = 0; i < ninstances; i++) {
                const char *w = prev ? sl_json_object_get_str(prev, instances[i]) : NULL;
                owner[i] = worker_index(workers, nworkers, w);
                if (owner[i] >= 0)
                        load[owner[i]]++;
        }
        for (int i = 0; i < ninstances; i++) {
                if (owner[i] < 0) {
                        owner[i] = least_loaded(load, nworkers);
                        load[owner[i]]++;
                }
        }
        for (;;) {
                int hi = most_loaded(load, nworkers), lo = least_loaded(load, nworkers);
                int pick = -1;

                if (load[hi] - load[lo] < 2)
                        break;
                /* move the last instance the busiest worker holds */
                for (int i = ninstances - 1; i >= 0 && pick < 0; i--)
                        if (owner[i] == hi)
                                pick = i;
                owner[pick] = lo;
                load[hi]--;
                load[lo]++;
        }
        for (int i = 0; i < ninstances; i++)
                sl_json_object_set(out, instances[i], sl_json_string(workers[owner[i]]));
        free(owner);
        free(load);
        return out;
}
