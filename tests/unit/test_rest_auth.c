/* Basic auth for the REST API: JAAS parsing, the credentials file,
 * Authorization header decoding and the constant-time compare. */
#include "rest/rest_auth.h"
#include "sl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static const char *write_file(const char *name, const char *text)
{
        static char path[8][512];
        static int next;
        char *p = path[next++ % 8];
        FILE *f;

        snprintf(p, 512, "%s/%s", tmpdir, name);
        f = fopen(p, "w");
        if (!f) {
                sl_test_failures++;
                return p;
        }
        fputs(text, f);
        fclose(f);
        return p;
}

/* ------------------------------------------------------------ compare */

static void test_ct_equal(void)
{
        CHECK(sl_ct_equal("secret", 6, "secret", 6));
        CHECK(!sl_ct_equal("secreT", 6, "secret", 6));
        CHECK(!sl_ct_equal("Secret", 6, "secret", 6));
        CHECK(!sl_ct_equal("secret", 5, "secret", 6)); /* a prefix */
        CHECK(!sl_ct_equal("secrets", 7, "secret", 6));
        CHECK(!sl_ct_equal("", 0, "secret", 6));
        CHECK(sl_ct_equal("", 0, "", 0));
        CHECK(!sl_ct_equal("x", 1, "", 0));
        /* a NUL byte is compared like any other */
        CHECK(!sl_ct_equal("ab\0d", 4, "ab\0c", 4));
        CHECK(sl_ct_equal("ab\0c", 4, "ab\0c", 4));
}

/* ------------------------------------------------------------- header */

static void decode_ok(const char *header, const char *user, const char *pw)
{
        char *u = NULL, *p = NULL;

        CHECK_INT(sl_basic_auth_decode(header, &u, &p), 0);
        CHECK_STR(u, user);
        CHECK_STR(p, pw);
        free(u);
        free(p);
}

static void test_decode_header(void)
{
        decode_ok("Basic dXNlcjpwYXNz", "user", "pass");          /* user:pass */
        decode_ok("basic dXNlcjpwYXNz", "user", "pass");          /* scheme case */
        decode_ok("  BASIC   dXNlcjpwYXNz  ", "user", "pass");    /* spaces */
        decode_ok("Basic dXNlcjpwYTpzcw==", "user", "pa:ss");     /* user:pa:ss */
        decode_ok("Basic dXNlcjo=", "user", "");                   /* user: */
        decode_ok("Basic OnB3", "", "pw");                         /* :pw */
}

static void test_decode_header_malformed(void)
{
        static const char *const bad[] = {
                "",
                "Basic",
                "Basic ",
                "Basicdxnlcjpwyxnz",
                "Bearer dXNlcjpwYXNz",
                "Digest username=\"user\"",
                "Basic dXNlcnBhc3M=",    /* userpass: no ':' */
                "Basic dXNlcjpwYXNz!",   /* not base64 */
                "Basic dXNlcjpwYXN",     /* bad length */
                "Basic dXNl cjpwYXNz",   /* space inside */
                "Basic dQB4OnA=",        /* u\0x:p: a NUL inside */
        };
        char *u, *p;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                u = p = (char *)"untouched";
                if (sl_basic_auth_decode(bad[i], &u, &p) != SL_ERR_PARSE ||
                    u != NULL || p != NULL) {
                        fprintf(stderr, "%s:%d: header \"%s\" accepted\n",
                                __FILE__, __LINE__, bad[i]);
                        sl_test_failures++;
                }
        }
        CHECK_INT(sl_basic_auth_decode(NULL, &u, &p), SL_ERR_PARSE);
}

/* --------------------------------------------------------------- JAAS */

static void jaas_ok(const char *text, const char *want)
{
        char *path = NULL, err[512] = "";
        int rc = sl_jaas_credentials_file(text, &path, err, sizeof(err));

        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  %s\n", err);
        CHECK_STR(path, want);
        free(path);
}

static void jaas_bad(const char *text, const char *want_in_error)
{
        char *path = (char *)"untouched", err[512] = "";

        CHECK_INT(sl_jaas_credentials_file(text, &path, err, sizeof(err)),
                  SL_ERR_PARSE);
        CHECK(path == NULL);
        CHECK_CONTAINS(err, want_in_error);
}

static void test_jaas_kafka_example(void)
{
        jaas_ok("KafkaConnect {\n"
                "  org.apache.kafka.connect.rest.basic.auth.extension."
                "PropertyFileLoginModule required\n"
                "  file=\"/mnt/secret/credentials.properties\";\n"
                "};\n",
                "/mnt/secret/credentials.properties");
}

static void test_jaas_forms(void)
{
        /* other entries, comments, unquoted value, extra options */
        jaas_ok("// the broker's\n"
                "KafkaServer {\n"
                "  org.apache.kafka.common.security.plain.PlainLoginModule "
                "required username=\"admin\" password=\"x;}\";\n"
                "};\n"
                "/* ours */ KafkaConnect{PropertyFileLoginModule sufficient "
                "debug=true file=/etc/creds.properties;};",
                "/etc/creds.properties");
        /* escapes in a quoted value */
        jaas_ok("KafkaConnect { org.apache.kafka.connect.rest.basic.auth."
                "extension.PropertyFileLoginModule required "
                "file=\"C:\\\\creds \\\"a\\\".properties\"; };",
                "C:\\creds \"a\".properties");
        /* the entry name may be quoted */
        jaas_ok("\"KafkaConnect\" { PropertyFileLoginModule Required "
                "file=\"/a\"; };",
                "/a");
}

static void test_jaas_malformed(void)
{
        jaas_bad("", "no KafkaConnect entry");
        jaas_bad("KafkaServer { a.B required; };", "no KafkaConnect entry");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required; };",
                 "no file=");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required file=\"\"; };",
                 "no file=");
        jaas_bad("KafkaConnect { com.example.LdapLoginModule required "
                 "file=\"/a\"; };",
                 "com.example.LdapLoginModule is not supported");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required file=\"/a\";\n"
                 "PropertyFileLoginModule required file=\"/b\"; };",
                 "line 2: the KafkaConnect entry must hold one login module");
        jaas_bad("KafkaConnect { PropertyFileLoginModule mandatory "
                 "file=\"/a\"; };",
                 "expected a control flag");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required "
                 "file=\"/a\"; }", "expected ';' after '}'");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required "
                 "file=\"/a; };", "unterminated quoted string");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required file \"/a\"; };",
                 "expected '=' after option file");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required file=; };",
                 "expected a value for option file");
        jaas_bad("KafkaConnect PropertyFileLoginModule required file=\"/a\";",
                 "expected '{'");
        jaas_bad("KafkaConnect { };", "has no login module");
        jaas_bad("KafkaConnect { PropertyFileLoginModule required file=\"/a\"; };\n"
                 "KafkaConnect { PropertyFileLoginModule required file=\"/b\"; };",
                 "a second KafkaConnect entry");
        jaas_bad("{ };", "expected an entry name");
}

/* -------------------------------------------------------------- setup */

static sl_strmap_t *config(const char *classes, const char *jaas)
{
        sl_strmap_t *m = sl_strmap_new();
        if (classes)
                sl_strmap_set(m, "rest.extension.classes", classes);
        if (jaas)
                sl_strmap_set(m, SL_REST_AUTH_JAAS_KEY, jaas);
        return m;
}

static int auth_new(const char *classes, const char *jaas, sl_rest_auth_t **a,
                    char *err, size_t errsize)
{
        sl_strmap_t *m = config(classes, jaas);
        int rc;

        err[0] = '\0';
        rc = sl_rest_auth_new(m, a, err, errsize);
        sl_strmap_destroy(m);
        return rc;
}

static const char *jaas_for(const char *creds_path)
{
        char text[1024];

        snprintf(text, sizeof(text),
                 "KafkaConnect {\n  " SL_REST_AUTH_LOGIN_MODULE
                 " required\n  file=\"%s\";\n};\n",
                 creds_path);
        return write_file("connect.jaas", text);
}

static void test_setup_disabled(void)
{
        sl_rest_auth_t *a = (sl_rest_auth_t *)1;
        char err[512];

        CHECK_INT(auth_new(NULL, NULL, &a, err, sizeof(err)), 0);
        CHECK(a == NULL);
        CHECK_INT(auth_new("", "/nonexistent", &a, err, sizeof(err)), 0);
        CHECK(a == NULL);
        /* no auth: nothing passes the check */
        CHECK(!sl_rest_auth_check(NULL, "Basic dXNlcjpwYXNz"));
        CHECK(sl_rest_auth_own_header(NULL) == NULL);
}

static void test_setup_errors(void)
{
        sl_rest_auth_t *a = NULL;
        char err[1024];
        const char *creds = write_file("empty.properties", "# nobody\n");

        CHECK_INT(auth_new("com.example.MyExtension", NULL, &a, err,
                           sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "com.example.MyExtension could not be found");
        CHECK(a == NULL);

        CHECK_INT(auth_new("BasicAuthSecurityRestExtension, com.example.X",
                           jaas_for(creds), &a, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "com.example.X");

        CHECK_INT(auth_new(SL_REST_AUTH_EXTENSION, NULL, &a, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "java.security.auth.login.config");

        CHECK_INT(auth_new(SL_REST_AUTH_EXTENSION, "/nonexistent/connect.jaas",
                           &a, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "java.security.auth.login.config");
        CHECK_CONTAINS(err, "/nonexistent/connect.jaas");
        CHECK_CONTAINS(err, "No such file");

        CHECK_INT(auth_new(SL_REST_AUTH_EXTENSION,
                           write_file("bad.jaas", "KafkaConnect { x }"), &a,
                           err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "bad.jaas");
        CHECK_CONTAINS(err, "line 1");

        CHECK_INT(auth_new(SL_REST_AUTH_EXTENSION,
                           jaas_for("/nonexistent/creds.properties"), &a, err,
                           sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "/nonexistent/creds.properties");

        CHECK_INT(auth_new(SL_REST_AUTH_EXTENSION, jaas_for(creds), &a, err,
                           sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "defines no user");
        CHECK(a == NULL);
}

static void test_credentials(void)
{
        sl_rest_auth_t *a = NULL;
        char err[1024];
        const char *creds = write_file("creds.properties",
                                       "# user=password\n"
                                       "admin=s3cret\n"
                                       "bob : pa:ss word\n"
                                       "empty=\n");
        int rc = auth_new("BasicAuthSecurityRestExtension", jaas_for(creds),
                          &a, err, sizeof(err));

        CHECK_INT(rc, 0);
        if (rc) {
                fprintf(stderr, "  %s\n", err);
                return;
        }
        CHECK_INT(sl_rest_auth_user_count(a), 3);
        CHECK(sl_rest_auth_check(a, "Basic YWRtaW46czNjcmV0"));       /* admin:s3cret */
        CHECK(sl_rest_auth_check(a, "Basic Ym9iOnBhOnNzIHdvcmQ="));   /* bob:pa:ss word */
        CHECK(!sl_rest_auth_check(a, "Basic YWRtaW46czNjcmV"));       /* malformed */
        CHECK(!sl_rest_auth_check(a, "Basic YWRtaW46czNjcmV1"));      /* admin:s3creu */
        CHECK(!sl_rest_auth_check(a, "Basic YWRtaW46czNjcmV0MQ==")); /* admin:s3cret1 */
        CHECK(!sl_rest_auth_check(a, "Basic YWRtaW46"));              /* admin: */
        CHECK(!sl_rest_auth_check(a, "Basic Ym9iOnMzY3JldA=="));      /* bob:s3cret */
        CHECK(!sl_rest_auth_check(a, "Basic ZXZlOnMzY3JldA=="));      /* eve:s3cret */
        CHECK(!sl_rest_auth_check(a, "Basic QURNSU46czNjcmV0"));      /* ADMIN:s3cret */
        CHECK(sl_rest_auth_check(a, "Basic ZW1wdHk6"));               /* empty: */
        CHECK(!sl_rest_auth_check(a, NULL));
        CHECK(!sl_rest_auth_check(a, ""));
        /* the worker's own requests go as the first user */
        CHECK_STR(sl_rest_auth_own_header(a), "Basic YWRtaW46czNjcmV0");
        sl_rest_auth_destroy(a);
}

int main(void)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-test-rest-auth-XXXXXX");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        RUN(test_ct_equal);
        RUN(test_decode_header);
        RUN(test_decode_header_malformed);
        RUN(test_jaas_kafka_example);
        RUN(test_jaas_forms);
        RUN(test_jaas_malformed);
        RUN(test_setup_disabled);
        RUN(test_setup_errors);
        RUN(test_credentials);
        {
                char cmd[300];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", tmpdir);
        }
        TEST_MAIN_END();
}
