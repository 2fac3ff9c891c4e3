/* Config providers: placeholder syntax, env, file and directory
 * providers, the config.providers worker setting, the providers'
 * restrictions (allowed.paths, allowlist.pattern) and the masking of
 * resolved values. */
#include "config/props.h"
#include "sl_test.h"
#include "util/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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

/* ------------------------------------------------------ restrictions */

static char tmp[64];

static void put_file(const char *dir, const char *name, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

/* A tree: <tmp>/allowed/{db.properties, link.properties -> ../elsewhere/
 * other.properties, secrets/{pw, .hidden, up -> ../../elsewhere/pw}} and
 * <tmp>/elsewhere/{other.properties, pw}. */
static void make_tree(char *allowed, char *elsewhere, size_t n)
{
        char p[256], q[256];

        snprintf(allowed, n, "%s/allowed", tmp);
        snprintf(elsewhere, n, "%s/elsewhere", tmp);
        mkdir(allowed, 0755);
        mkdir(elsewhere, 0755);
        put_file(allowed, "db.properties", "password=inside-pw\n");
        put_file(elsewhere, "other.properties", "password=outside-pw\n");
        put_file(elsewhere, "pw", "outside-dir-pw\n");
        snprintf(p, sizeof(p), "%s/link.properties", allowed);
        snprintf(q, sizeof(q), "%s/other.properties", elsewhere);
        unlink(p);
        CHECK(symlink(q, p) == 0);
        snprintf(p, sizeof(p), "%s/secrets", allowed);
        mkdir(p, 0755);
        put_file(p, "pw", "inside-dir-pw\n");
        put_file(p, ".hidden", "x");
        snprintf(q, sizeof(q), "%s/secrets/up", allowed);
        snprintf(p, sizeof(p), "%s/pw", elsewhere);
        unlink(q);
        CHECK(symlink(p, q) == 0);
}

static sl_providers_t *with(const char *const *kv)
{
        sl_strmap_t *wc = sl_strmap_new();
        sl_providers_t *p;

        for (; kv[0]; kv += 2)
                sl_strmap_set(wc, kv[0], kv[1]);
        err[0] = '\0';
        p = sl_providers_new(wc, err, sizeof(err));
        sl_strmap_destroy(wc);
        return p;
}

static void check_refused(const sl_providers_t *p, const char *in, const char *why)
{
        char *r = resolve1(p, in);
        CHECK(r == NULL);
        if (!strstr(err, why))
                fprintf(stderr, "%s: %s\n", in, err);
        CHECK(strstr(err, why) != NULL);
        free(r);
}

static void test_file_allowed_paths(void)
{
        char allowed[128], elsewhere[128], in[512];
        sl_providers_t *p;

        make_tree(allowed, elsewhere, sizeof(allowed));
        p = with((const char *const[]){
                "config.providers", "file",
                "config.providers.file.class", "FileConfigProvider",
                "config.providers.file.param.allowed.paths", allowed, NULL});
        CHECK(p != NULL);
        snprintf(in, sizeof(in), "${file:%s/db.properties:password}", allowed);
        CHECK_RESOLVES(p, in, "inside-pw");
        snprintf(in, sizeof(in), "${file:%s/other.properties:password}", elsewhere);
        check_refused(p, in, "is outside the allowed paths");
        snprintf(in, sizeof(in), "${file:%s/../elsewhere/other.properties:password}",
                 allowed);
        check_refused(p, in, "is outside the allowed paths");
        snprintf(in, sizeof(in), "${file:%s/link.properties:password}", allowed);
        check_refused(p, in, "is outside the allowed paths");
        /* a path given relative does not start at an allowed directory */
        check_refused(p, "${file:db.properties:password}", "is outside the allowed paths");
        sl_providers_destroy(p);

        /* the implicit file provider honours it too */
        p = with((const char *const[]){
                "config.providers.file.param.allowed.paths", allowed, NULL});
        CHECK(p != NULL);
        snprintf(in, sizeof(in), "${file:%s/other.properties:password}", elsewhere);
        check_refused(p, in, "is outside the allowed paths");
        sl_providers_destroy(p);

        /* several paths; a relative one is refused when the worker starts */
        snprintf(in, sizeof(in), "%s , %s", elsewhere, allowed);
        p = with((const char *const[]){
                "config.providers.file.param.allowed.paths", in, NULL});
        CHECK(p != NULL);
        snprintf(in, sizeof(in), "${file:%s/other.properties:password}", elsewhere);
        CHECK_RESOLVES(p, in, "outside-pw");
        sl_providers_destroy(p);
        CHECK(with((const char *const[]){
                "config.providers.file.param.allowed.paths", "secrets/", NULL}) == NULL);
        CHECK(strstr(err, "config.providers.file.param.allowed.paths") != NULL);
        CHECK(strstr(err, "not an absolute path") != NULL);
        /* found by fuzzing: after an absolute one, the list so far leaked
         * (LeakSanitizer builds see it) */
        CHECK(with((const char *const[]){
                "config.providers.file.param.allowed.paths", "/a, b", NULL}) == NULL);
        CHECK(strstr(err, "b is not an absolute path") != NULL);
}

static void test_dir_provider(void)
{
        char allowed[128], elsewhere[128], in[512];
        sl_providers_t *p;

        make_tree(allowed, elsewhere, sizeof(allowed));
        p = with((const char *const[]){
                "config.providers", "dir",
                "config.providers.dir.class",
                "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                NULL});
        CHECK(p != NULL);
        /* the file's content as it is, as Kafka's */
        snprintf(in, sizeof(in), "<${dir:%s/secrets:pw}>", allowed);
        CHECK_RESOLVES(p, in, "<inside-dir-pw\n>");
        snprintf(in, sizeof(in), "${dir:%s/secrets:nope}", allowed);
        check_refused(p, in, "cannot read \"nope\"");
        snprintf(in, sizeof(in), "${dir:%s/secrets:.hidden}", allowed);
        check_refused(p, in, "invalid file name");
        snprintf(in, sizeof(in), "${dir:%s:secrets/pw}", allowed);
        check_refused(p, in, "invalid file name");
        snprintf(in, sizeof(in), "${dir:%s:..}", allowed);
        check_refused(p, in, "invalid file name");
        snprintf(in, sizeof(in), "${dir:%s:secrets}", allowed);
        check_refused(p, in, "not a regular file");
        check_refused(p, "${dir:pw}", "no directory given");
        sl_providers_destroy(p);

        p = with((const char *const[]){
                "config.providers", "dir",
                "config.providers.dir.class", "DirectoryConfigProvider",
                "config.providers.dir.param.allowed.paths", allowed, NULL});
        CHECK(p != NULL);
        snprintf(in, sizeof(in), "${dir:%s/secrets:pw}", allowed);
        CHECK_RESOLVES(p, in, "inside-dir-pw\n");
        snprintf(in, sizeof(in), "${dir:%s:pw}", elsewhere);
        check_refused(p, in, "is outside the allowed paths");
        snprintf(in, sizeof(in), "${dir:%s/secrets:up}", allowed);
        check_refused(p, in, "is outside the allowed paths");
        snprintf(in, sizeof(in), "${dir:%s/secrets/..:db.properties}", allowed);
        CHECK_RESOLVES(p, in, "password=inside-pw\n");
        sl_providers_destroy(p);
}

static void test_env_allowlist(void)
{
        sl_providers_t *p;

        setenv("SL_OK_USER", "alice", 1);
        setenv("SL_TEST_VAR", "hello", 1);
        p = with((const char *const[]){
                "config.providers", "env",
                "config.providers.env.class", "EnvVarConfigProvider",
                "config.providers.env.param.allowlist.pattern", "SL_OK_[A-Z]+", NULL});
        CHECK(p != NULL);
        CHECK_RESOLVES(p, "${env:SL_OK_USER}", "alice");
        check_refused(p, "${env:SL_TEST_VAR}", "does not match allowlist.pattern");
        /* the whole name must match, not a part of it */
        setenv("XSL_OK_USER", "mallory", 1);
        check_refused(p, "${env:XSL_OK_USER}", "does not match allowlist.pattern");
        check_refused(p, "${env:SL_OK_USER_2}", "does not match allowlist.pattern");
        sl_providers_destroy(p);

        CHECK(with((const char *const[]){
                "config.providers.env.param.allowlist.pattern", "(unclosed", NULL}) == NULL);
        CHECK(strstr(err, "config.providers.env.param.allowlist.pattern") != NULL);
}

/* Every substituted value is masked in free text from then on: by its
 * placeholder (a file's trailing newline or not). */
static void test_resolved_values_masked(void)
{
        char allowed[128], elsewhere[128], in[512], want[1024];
        sl_providers_t *p;
        char *m;

        make_tree(allowed, elsewhere, sizeof(allowed));
        setenv("SL_MASK_ME", "tok-123456", 1);
        p = defaults();
        CHECK_RESOLVES(p, "Bearer ${env:SL_MASK_ME}", "Bearer tok-123456");
        m = sl_redact_dup("GET /x?token=tok-123456 failed");
        CHECK_STR(m, "GET /x?token=${env:SL_MASK_ME} failed");
        free(m);
        sl_providers_destroy(p);

        p = with((const char *const[]){
                "config.providers", "dir",
                "config.providers.dir.class", "DirectoryConfigProvider", NULL});
        snprintf(in, sizeof(in), "${dir:%s/secrets:pw}", allowed);
        m = resolve1(p, in);
        free(m);
        m = sl_redact_dup("login failed for inside-dir-pw.");
        snprintf(want, sizeof(want), "login failed for %s.", in);
        CHECK_STR(m, want);
        free(m);
        sl_providers_destroy(p);
}

/* The masking itself: longest secret first, one pass (a placeholder
 * shown is not masked again), short values left alone. */
static void test_redact(void)
{
        char line[64];
        char *m;

        CHECK_INT(sl_redact_add("pass", 4, "<short>"), 0);
        CHECK_INT(sl_redact_add("password1", 9, "<long>"), 0);
        CHECK_INT(sl_redact_add("pass", 4, "<again>"), 0); /* first wins */
        CHECK_INT(sl_redact_add("ab", 2, "<tiny>"), 0);    /* too short */
        CHECK(sl_redact_active());
        m = sl_redact_dup("a password1, a pass, ab, passpass");
        CHECK_STR(m, "a <long>, a <short>, ab, <short><short>");
        free(m);
        snprintf(line, sizeof(line), "x password1 y");
        sl_redact_inplace(line, sizeof(line));
        CHECK_STR(line, "x <long> y");
        CHECK_INT(sl_redact_add("word", 4, "<a much longer placeholder>"), 0);
        snprintf(line, 16, "1 word 2");
        sl_redact_inplace(line, 16);
        CHECK_STR(line, "1 <a much longe"); /* cut to the buffer */
}

int main(void)
{
        char cmd[128];

        write_secrets();
        snprintf(tmp, sizeof(tmp), "/tmp/sl_prov_XXXXXX");
        if (!mkdtemp(tmp))
                return 2;
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
        RUN(test_file_allowed_paths);
        RUN(test_dir_provider);
        RUN(test_env_allowlist);
        RUN(test_resolved_values_masked);
        RUN(test_redact);
        unlink(secrets);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
        if (system(cmd) != 0)
                return 2;
        TEST_MAIN_END();
}
