/* PLACEHOLDER (issue 8, dashboard helper): replaced by the real handler. */
#include "ops/ops.h"

int sl_ui_rest_attach(sl_rest_t *rest, char *errstr, size_t errstr_size)
{
        (void)rest; (void)errstr; (void)errstr_size;
        return 0;
}
