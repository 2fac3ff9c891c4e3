/* PLACEHOLDER (issue 8, logging helper): replaced by the real handler. */
#include "ops/ops.h"

int sl_loggers_rest_attach(sl_rest_t *rest, sl_worker_t *w, sl_herder_t *h, char *errstr,
                           size_t errstr_size)
{
        (void)rest; (void)w; (void)h; (void)errstr; (void)errstr_size;
        return 0;
}
