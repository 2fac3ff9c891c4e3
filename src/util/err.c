/* Error codes to text, and the errstr-filling helper used by constructors. */
#include "sluice/common.h"

#include <stdio.h>
#include <string.h>

const char *sl_err2str(int err)
{
        switch (err) {
        case SL_OK:
                return "Success";
        case SL_ERR_INVALID:
                return "Invalid argument or input";
        case SL_ERR_NOT_FOUND:
                return "Not found";
        case SL_ERR_EXISTS:
                return "Already exists";
        case SL_ERR_PARSE:
                return "Parse error";
        case SL_ERR_CONFIG:
                return "Invalid configuration";
        case SL_ERR_IO:
                return "I/O error";
        case SL_ERR_KAFKA:
                return "Kafka error";
        case SL_ERR_STATE:
                return "Operation not allowed in the current state";
        case SL_ERR_NOMEM:
                return "Out of memory";
        case SL_ERR_PLUGIN:
                return "Plugin error";
        case SL_ERR_TIMEOUT:
                return "Timed out";
        case SL_ERR_CONVERT:
                return "Conversion error";
        case SL_ERR_RETRIABLE:
                return "Retriable error";
        }
        if (err < 0)
                return strerror(-err);
        return "Unknown error";
}

int sl_seterr(char *errstr, size_t errstr_size, int err, const char *fmt, ...)
{
        if (errstr && errstr_size > 0) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return err;
}
