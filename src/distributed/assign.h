/* The leader's incremental assignment of connector and task instances to
 * live workers. Pure: no IO, so it is unit tested on its own. */
#ifndef SL_ASSIGN_H
#define SL_ASSIGN_H

#include "sluice/common.h"

/* prev: {"instance": "worker", ...} of the last assignment (or NULL).
 * Instances whose worker is still live stay where they are (their tasks
 * keep running); the others go to the least-loaded workers; then, while
 * one worker holds two or more instances more than another, one moves from
 * the most to the least loaded (the only moves of running work). Ties
 * break by the order of workers, so every leader computes the same
 * result. Returns a new {"instance": "worker"} object (empty with no
 * workers). */
sl_json_t *sl_assign(const sl_json_t *prev, const char *const *workers, int nworkers,
                     const char *const *instances, int ninstances);

#endif
