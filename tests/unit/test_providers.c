/* Config providers: placeholder syntax, env and file providers, and the
 * config.providers worker setting. */
#include "config/props.h"
#include "sl_test.h"

#include <stdlib.h>
#include <unistd.h>

static char err[1024];
static char secrets[] = "/tmp/sl_test_secrets_XXXXXX";

static void write_secrets(void)
{
        const char *text = "db.password=s3cr3t\nuser = admin\nk:with=colon\n";
        int fd = mkstemp(secrets);
        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
}

/* Resolve one value with providers p; NULL on error (message in err). */
static char *resolve1(const sl_providers_t *p, const char *value)
{
        sl_strmap_t *in = sl_strmap_new(), *out = sl_strmap_new();
        char *res = NULL;

        sl_strmap_set(in, "k", value);
        err[0] = '\0';
        if (sl_providers_resolve(p, in, out, err, sizeof(err)) == 0)
                res = strdup(sl_strmap_get(out, "k"));
        sl_strmap_destroy(in);
        sl_strmap_destroy(out);
        return res;
}

#define CHECK_RESOLVES(p, in, want)                                            \
        do {                                                                   \
                char *_r = resolve1((p), (in));                                \
                CHECK_STR(_r, (want));                                         \
                free(_r);                                                      \
        } while (0)

static sl_providers_t *defaults(void)
{
        sl_strmap_t *wc = sl_strmap_new();
        sl_providers_t *p = sl_providers_new(wc, err, sizeof(err));
        sl_strmap_destroy(wc);
        return p;
}

static void test_has_placeholder(void)
{
        CHECK(sl_providers_has_placeholder("${env:HOME}"));
        CHECK(sl_providers_has_placeholder("x${file:/a/b:c}y"));
        CHECK(!sl_providers_has_placeholder("${nocolon}"));
        CHECK(!sl_providers_has_placeholder("$env:X"));
        CHECK(!sl_providers_has_placeholder("${env:X"));
        CHECK(!sl_providers_has_placeholder("plain"));
        CHECK(!sl_providers_has_placeholder(NULL));
}

static void test_env(void)
{
        sl_providers_t *p = defaults();
        setenv("SL_TEST_VAR", "hello", 1);
        setenv("SL_TEST_OTHER", "world", 1);
        CHECK_RESOLVES(p, "${env:SL_TEST_VAR}", "hello");
        CHECK_RESOLVES(p, "a ${env:SL_TEST_VAR}, ${env:SL_TEST_OTHER}!",
                       "a hello, world!");
        CHECK_RESOLVES(p, "${env:SL_TEST_VAR}${env:SL_TEST_VAR}",
                       "hellohello");
        CHECK_RESOLVES(p, "no placeholders", "no placeholders");
        sl_providers_destroy(p);
}

static void test_env_missing(void)
{
        sl_providers_t *p = defaults();
        unsetenv("SL_TEST_UNSET");
        CHECK(resolve1(p, "x${env:SL_TEST_UNSET}") == NULL);
        CHECK_STR(err, "Config provider env: environment variable "
                       "\"SL_TEST_UNSET\" is not set");
        sl_providers_destroy(p);
}

static void test_file(void)
{
        sl_providers_t *p = defaults();
        char in[256], in2[256];

        snprintf(in, sizeof(in), "${file:%s:db.password}", secrets);
        CHECK_RESOLVES(p, in, "s3cr3t");
        snprintf(in2, sizeof(in2), "%s/${file:%s:user}@${file:%s:k}", "u",
                 secrets, secrets);
        CHECK_RESOLVES(p, in2, "u/admin@with=colon");
        sl_providers_destroy(p);
}

static void test_file_errors(void)
{
        sl_providers_t *p = defaults();
        char in[256], want[512];

        snprintf(in, sizeof(in), "${file:%s:nope}", secrets);
        CHECK(resolve1(p, in) == NULL);
        snprintf(want, sizeof(want),
                 "Config provider file: key \"nope\" not found in file \"%s\"",
                 secrets);
        CHECK_STR(err, want);

        CHECK(resolve1(p, "${file:/nonexistent/s.properties:pw}") == NULL);
        CHECK_STR(err, "Config provider file: cannot read key \"pw\" from "
                       "file /nonexistent/s.properties: No such file or "
                       "directory");

        CHECK(resolve1(p, "${file:pw}") == NULL);
        CHECK(strstr(err, "no file path") != NULL);
        sl_providers_destroy(p);
}

static void test_key_keeps_extra_colons(void)
{
        sl_providers_t *p = defaults();
        /* path ends at the second ':'; the key is everything after it */
        CHECK(resolve1(p, "${file:/nonexistent:a:b}") == NULL);
        CHECK(strstr(err, "key \"a:b\"") != NULL);
        sl_providers_destroy(p);
}

static void test_unknown_provider_unchanged(void)
{
        sl_providers_t *p = defaults();
        setenv("SL_TEST_VAR", "hello", 1);
        CHECK_RESOLVES(p, "${vault:secret/db:pw}", "${vault:secret/db:pw}");
        CHECK_RESOLVES(p, "${vault:x} ${env:SL_TEST_VAR} ${nocolon}",
                       "${vault:x} hello ${nocolon}");
        sl_providers_destroy(p);
}

static void test_resolve_whole_map(void)
{
        sl_providers_t *p = defaults();
        sl_strmap_t *in = sl_strmap_new(), *out = sl_strmap_new();

        setenv("SL_TEST_VAR", "hello", 1);
        sl_strmap_set(in, "name", "c1");
        sl_strmap_set(in, "greeting", "${env:SL_TEST_VAR}");
        sl_strmap_set(in, "empty", "");
        CHECK_INT(sl_providers_resolve(p, in, out, err, sizeof(err)), 0);
        CHECK_INT(sl_strmap_count(out), 3);
        CHECK_STR(sl_strmap_key_at(out, 0), "name");
        CHECK_STR(sl_strmap_get(out, "greeting"), "hello");
        CHECK_STR(sl_strmap_get(out, "empty"), "");
        sl_strmap_destroy(in);
        sl_strmap_destroy(out);
        sl_providers_destroy(p);
}

static void test_config_providers_selects(void)
{
        sl_strmap_t *wc = sl_strmap_new();
        sl_providers_t *p;
        char in[256];

        setenv("SL_TEST_VAR", "hello", 1);
        sl_strmap_set(wc, "config.providers", " myenv , secrets");
        sl_strmap_set(wc, "config.providers.myenv.class",
                      "org.apache.kafka.common.config.provider."
                      "EnvVarConfigProvider");
        sl_strmap_set(wc, "config.providers.secrets.class",
                      "FileConfigProvider");
        p = sl_providers_new(wc, err, sizeof(err));
        CHECK(p != NULL);
        CHECK_RESOLVES(p, "${myenv:SL_TEST_VAR}", "hello");
        /* "env" is not enabled under that name here */
        CHECK_RESOLVES(p, "${env:SL_TEST_VAR}", "${env:SL_TEST_VAR}");
        snprintf(in, sizeof(in), "${secrets:%s:user}", secrets);
        CHECK_RESOLVES(p, in, "admin");
        unsetenv("SL_TEST_UNSET");
        CHECK(resolve1(p, "${myenv:SL_TEST_UNSET}") == NULL);
        CHECK_STR(err, "Config provider myenv: environment variable "
                       "\"SL_TEST_UNSET\" is not set");
        sl_providers_destroy(p);
        sl_strmap_destroy(wc);
}

static void test_config_providers_class_names(void)
{
        static const char *const env_classes[] = {
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "EnvVarConfigProvider", "env"};
        static const char *const file_classes[] = {
                "org.apache.kafka.common.config.provider.FileConfigProvider",
                "FileConfigProvider", "file"};
        char in[256];

        setenv("SL_TEST_VAR", "hello", 1);
        snprintf(in, sizeof(in), "${f:%s:user}", secrets);
        for (int i = 0; i < 3; i++) {
                sl_strmap_t *wc = sl_strmap_new();
                sl_providers_t *p;

                sl_strmap_set(wc, "config.providers", "e,f");
                sl_strmap_set(wc, "config.providers.e.class", env_classes[i]);
                sl_strmap_set(wc, "config.providers.f.class", file_classes[i]);
                p = sl_providers_new(wc, err, sizeof(err));
                CHECK(p != NULL);
                CHECK_RESOLVES(p, "${e:SL_TEST_VAR}", "hello");
                CHECK_RESOLVES(p, in, "admin");
                sl_providers_destroy(p);
                sl_strmap_destroy(wc);
        }
}

static void test_config_providers_empty_disables(void)
{
        sl_strmap_t *wc = sl_strmap_new();
        sl_providers_t *p;

        sl_strmap_set(wc, "config.providers", "");
        p = sl_providers_new(wc, err, sizeof(err));
        CHECK(p != NULL);
        CHECK_RESOLVES(p, "${env:SL_TEST_UNSET}", "${env:SL_TEST_UNSET}");
        sl_providers_destroy(p);
        sl_strmap_destroy(wc);
}

static void test_config_providers_unknown_class(void)
{
        sl_strmap_t *wc = sl_strmap_new();

        sl_strmap_set(wc, "config.providers", "vault");
        sl_strmap_set(wc, "config.providers.vault.class",
                      "com.example.VaultConfigProvider");
        err[0] = '\0';
        CHECK(sl_providers_new(wc, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "com.example.VaultConfigProvider") != NULL);
        CHECK(strstr(err, "config.providers.vault.class") != NULL);
        sl_strmap_destroy(wc);
}

static void test_env_rejects_path(void)
{
        sl_providers_t *p = defaults();
        CHECK(resolve1(p, "${env:some/path:HOME}") == NULL);
        CHECK(strstr(err, "path is not supported") != NULL);
        sl_providers_destroy(p);
}

int main(void)
{
        write_secrets();
        RUN(test_has_placeholder);
        RUN(test_env);
        RUN(test_env_missing);
        RUN(test_file);
        RUN(test_file_errors);
        RUN(test_key_keeps_extra_colons);
        RUN(test_unknown_provider_unchanged);
        RUN(test_resolve_whole_map);
        RUN(test_config_providers_selects);
        RUN(test_config_providers_class_names);
        RUN(test_config_providers_empty_disables);
        RUN(test_config_providers_unknown_class);
        RUN(test_env_rejects_path);
        unlink(secrets);
        TEST_MAIN_END();
}
