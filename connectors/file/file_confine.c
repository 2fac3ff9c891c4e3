/* The worker's file.allowed.paths for the FileStream connectors: checked
 * when a config is validated (REST 400 naming the key) and again when the
 * task opens its file, then beneath the allowed directory, so a symbolic
 * link swapped in after the check cannot lead out. */
#include <errno.h>
#include <string.h>

#include "file/file.h"
#include "util/path.h"

#define ALLOWED_KEY "file.allowed.paths"

void sl_file_validate(const sl_strmap_t *config, sl_config_errors_t *errs,
                      const char *stream)
{
        const char *file = sl_strmap_get(config, "file");
        sl_allowed_paths_t *ap = NULL;
        char msg[1024];

        if (sl_allowed_paths_new(sl_host_config_get(ALLOWED_KEY), ALLOWED_KEY,
                                 &ap, msg, sizeof(msg)) < 0) {
                sl_config_error_add(errs, "file", "%s", msg);
                return;
        }
        if (!ap)
                return;
        if (!file || !*file)
                sl_config_error_add(errs, "file",
                                    "Missing required configuration \"file\": "
                                    "%s is not allowed while the worker's "
                                    ALLOWED_KEY " is set (%s); give a file "
                                    "under those paths",
                                    stream, sl_allowed_paths_text(ap));
        else if (sl_allowed_paths_check(ap, file, msg, sizeof(msg)) < 0)
                sl_config_error_add(errs, "file",
                                    "Invalid value %s for configuration file: "
                                    "%s (the worker's " ALLOWED_KEY ")",
                                    file, msg);
        sl_allowed_paths_destroy(ap);
}

int sl_file_open(const char *path, int flags, mode_t mode, char *errstr,
                 size_t errstr_size)
{
        sl_allowed_paths_t *ap = NULL;
        char msg[1024];
        int fd;

        if (sl_allowed_paths_new(sl_host_config_get(ALLOWED_KEY), ALLOWED_KEY,
                                 &ap, errstr, errstr_size) < 0)
                return -EINVAL;
        if (!path || !*path) {
                fd = ap ? sl_seterr(errstr, errstr_size, -EACCES,
                                    "not allowed while the worker's "
                                    ALLOWED_KEY " is set (%s)",
                                    sl_allowed_paths_text(ap))
                        : -ENOENT;
        } else {
                fd = sl_allowed_paths_open(ap, path, flags, mode, msg,
                                           sizeof(msg));
                if (fd < 0 && ap &&
                    (fd == SL_ERR_CONFIG || fd == -EXDEV || fd == -ELOOP))
                        sl_seterr(errstr, errstr_size, fd,
                                  "%s (the worker's " ALLOWED_KEY ")", msg);
                else if (fd < 0)
                        sl_seterr(errstr, errstr_size, fd, "%s", msg);
        }
        sl_allowed_paths_destroy(ap);
        return fd;
}
