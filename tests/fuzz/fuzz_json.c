/* JSON parser (src/util/json_parse.c) and writer: whatever parses must
 * write out as text that parses again to the same text. Infinite doubles
 * write as null, so the trees may differ after one trip; the text may not
 * change after that. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "sluice/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[256];
        sl_json_t *j1 = sl_json_parse((const char *)data, size, err, sizeof(err)), *j2;
        sl_buf_t t1 = SL_BUF_INIT, t2 = SL_BUF_INIT;

        if (!j1) {
                FUZZ_CHECK(err[0], "a parse failure without a message");
                return 0;
        }
        FUZZ_CHECK(sl_json_write(j1, &t1) == 0, "write failed");
        j2 = sl_json_parse(t1.data, t1.len, err, sizeof(err));
        FUZZ_CHECK(j2, "written JSON does not parse (%s): %.*s", err, (int)t1.len, t1.data);
        FUZZ_CHECK(sl_json_write(j2, &t2) == 0, "second write failed");
        FUZZ_CHECK(t1.len == t2.len && !memcmp(t1.data, t2.data, t1.len),
                   "round trip changed the text:\n%.*s\n%.*s", (int)t1.len, t1.data,
                   (int)t2.len, t2.data);
        {
                sl_json_t *d = sl_json_dup(j2);
                FUZZ_CHECK(d && sl_json_equal(d, j2), "a copy differs from its original");
                sl_json_free(d);
        }
        sl_json_free(j1);
        sl_json_free(j2);
        sl_buf_free(&t1);
        sl_buf_free(&t2);
        return 0;
}
