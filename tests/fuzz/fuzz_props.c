/* Java .properties parser (src/config/props.c), then config provider
 * placeholders (src/config/providers.c) in the values it produced.
 *
 * Only the env provider resolves here: a ${file:...} placeholder would
 * make the fuzzer read whatever path it invents (/dev/zero never ends).
 * The parsed map is also given to sl_providers_new as a worker config, so
 * config.providers lists are fuzzed too, but that instance is never
 * asked to resolve anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/props.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static sl_providers_t *env_only;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        sl_strmap_t *wc = sl_strmap_new();
        char err[256];

        (void)argc;
        (void)argv;
        setenv("FZ", "resolved", 1);
        setenv("FZ_EMPTY", "", 1);
        sl_strmap_set(wc, "config.providers", "env, e2");
        sl_strmap_set(wc, "config.providers.env.class", "EnvVarConfigProvider");
        sl_strmap_set(wc, "config.providers.e2.class",
                      "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        sl_strmap_set(wc, "config.providers.e2.param.allowlist.pattern", "FZ.*");
        env_only = sl_providers_new(wc, err, sizeof(err));
        FUZZ_CHECK(env_only, "providers: %s", err);
        sl_strmap_destroy(wc);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        sl_strmap_t *m = sl_strmap_new(), *out = sl_strmap_new();
        sl_providers_t *p;
        char err[512] = "";
        int rc;

        rc = sl_props_parse((const char *)data, size, m, err, sizeof(err));
        if (rc != 0) {
                FUZZ_CHECK(rc == SL_ERR_PARSE && !strncmp(err, "line ", 5),
                           "rc %d, error \"%s\"", rc, err);
                goto out;
        }
        if ((p = sl_providers_new(m, err, sizeof(err))))
                sl_providers_destroy(p);
        else
                FUZZ_CHECK(err[0], "sl_providers_new failed without a message");

        err[0] = '\0';
        rc = sl_providers_resolve(env_only, m, out, err, sizeof(err));
        if (rc != 0) {
                FUZZ_CHECK(rc == SL_ERR_CONFIG && err[0], "rc %d, error \"%s\"", rc, err);
                goto out;
        }
        FUZZ_CHECK(sl_strmap_count(out) == sl_strmap_count(m), "resolve lost keys");
        for (size_t i = 0; i < sl_strmap_count(m); i++) {
                const char *k = sl_strmap_key_at(m, i), *v = sl_strmap_value_at(m, i);
                const char *rv = sl_strmap_get(out, k);

                FUZZ_CHECK(rv, "key %s missing after resolve", k);
                /* only placeholders change */
                if (!sl_providers_has_placeholder(v))
                        FUZZ_CHECK(!strcmp(rv, v), "%s: \"%s\" became \"%s\"", k, v, rv);
        }
out:
        sl_strmap_destroy(m);
        sl_strmap_destroy(out);
        return 0;
}
