/* File system paths confined to allowed directories: the file config
 * providers' allowed.paths (KIP-993) and the file connectors'
 * file.allowed.paths. A path is checked in its canonical form (absolute,
 * symbolic links of the parts that exist resolved, "." and ".." gone), so
 * neither "../" nor a symbolic link leads out; files are then opened
 * relative to the allowed directory with openat2(RESOLVE_BENEATH), so a
 * link swapped in after the check cannot lead out either. */
#ifndef SL_UTIL_PATH_H
#define SL_UTIL_PATH_H

#include <sys/types.h>

#include "sluice/common.h"

/* The canonical form of path (relative paths start at the working
 * directory): realpath(3) of the longest prefix that exists, the rest
 * appended with "." and ".." applied. A dangling symbolic link (its target
 * cannot be known to be allowed) is an error. Malloc'd, or NULL with errno
 * set. */
char *sl_path_canonical(const char *path);
/* True when canonical path p is dir or lies under it (whole components:
 * /a/bc is not under /a/b). */
bool sl_path_under(const char *p, const char *dir);

/* A list of allowed directories; NULL (or an empty list) allows all. */
typedef struct sl_allowed_paths sl_allowed_paths_t;

/* Parses a comma-separated list of absolute paths (whitespace trimmed,
 * empty items dropped). *out is NULL for an empty or NULL list. 0, or
 * SL_ERR_CONFIG for a relative entry (naming it; key names the setting in
 * the message) or SL_ERR_NOMEM. */
int sl_allowed_paths_new(const char *list, const char *key, sl_allowed_paths_t **out,
                         char *errstr, size_t errstr_size);
void sl_allowed_paths_destroy(sl_allowed_paths_t *ap);
/* The list as configured, for messages ("" when all paths are allowed). */
const char *sl_allowed_paths_text(const sl_allowed_paths_t *ap);
/* 0 when path is allowed (always with ap NULL); SL_ERR_CONFIG with the
 * reason otherwise ("... is outside ..."), or -errno when the path cannot
 * be resolved. */
int sl_allowed_paths_check(const sl_allowed_paths_t *ap, const char *path, char *errstr,
                           size_t errstr_size);
/* open(2) of path confined to the allowed directories: with ap NULL a
 * plain open; else the path is canonicalised and opened beneath the
 * allowed directory holding it (RESOLVE_BENEATH, no magic links; where
 * openat2 is missing, the opened file's own path is checked instead).
 * The fd; SL_ERR_CONFIG when the path is outside, -EXDEV when a link met
 * during the open leads out, or another -errno, with the reason in
 * errstr. */
int sl_allowed_paths_open(const sl_allowed_paths_t *ap, const char *path, int flags,
                          mode_t mode, char *errstr, size_t errstr_size);

#endif
