/* Named, hierarchical logger levels (log4j style) behind sl_log, the
 * /admin/loggers API and the config topic's logger-cluster-* records.
 *
 * Every logger has a dotted name; the short names code passes to sl_log
 * ("herder", "FileStreamSinkTask") map to one through a fixed table, and
 * other names without a dot land under "sluice.". A logger's effective
 * level is the level of its nearest explicitly set ancestor (dotted
 * prefix, the name itself included), else the root's. */
#ifndef SL_LOG_LEVELS_H
#define SL_LOG_LEVELS_H

#include "sluice/common.h"

/* Levels a logger can be set to: sl_log_level_t plus these two. FATAL
 * lets ERROR messages through (sluice logs nothing more severe); OFF
 * silences the logger. */
#define SL_LOG_FATAL 5
#define SL_LOG_OFF 6

/* TRACE..OFF, case-insensitive ("WARNING" too); -1 for anything else. */
int sl_log_level_parse(const char *s);
const char *sl_log_level_name(int level); /* "TRACE".."OFF" */

/* Cheap test on the hot path: false when level is below every level in
 * force (one atomic load), so the message cannot be logged anywhere. */
bool sl_log_levels_maybe(int level);
/* The dotted name of a logger given as sl_log gets it (NULL = "sluice");
 * the pointer stays valid for the life of the process. */
const char *sl_log_logger_name(const char *logger);
/* Whether a message of level from the logger dotted goes out. */
bool sl_log_levels_enabled(int level, const char *dotted);

/* Effective level of dotted ("root" = the root's). */
int sl_log_levels_effective(const char *dotted);

/* Sets ns and every known logger below it (all loggers for "root") to
 * level, stamped now_ms (epoch ms). Returns a sorted JSON array of the
 * names it set, or NULL when out of memory; SL_ERR_INVALID-style misuse
 * (bad level, empty name) returns NULL too. */
sl_json_t *sl_log_levels_set(const char *ns, int level, int64_t now_ms);

/* GET /admin/loggers/{name}: 0 with the level and last_modified (-1 when
 * never set) for root, a known or an explicitly set logger (effective
 * level when not set itself), SL_ERR_NOT_FOUND otherwise. */
int sl_log_levels_get(const char *name, int *level, int64_t *last_modified);

/* GET /admin/loggers: {"root":{"level":..,"last_modified":..}, ...} for
 * root and each explicitly set logger, sorted by name. NULL: no memory. */
sl_json_t *sl_log_levels_list(void);

/* The root level as SLUICE_LOG_LEVEL or sl_log_set_level left it. */
void sl_log_levels_set_root(int level);
int sl_log_levels_root(void);

/* Unit tests: back to the state before first use (frees everything). */
void sl_log_levels_reset(void);

#endif
