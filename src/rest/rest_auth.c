/* Basic authentication for the REST API: the JAAS file's KafkaConnect
 * entry, its credentials properties file and Authorization headers. Only
 * what Kafka's PropertyFileLoginModule setup needs is understood; anything
 * else is refused with a message. */
#include "rest/rest_auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/props.h"
#include "sluice/plugin.h"

#define JAAS_ENTRY "KafkaConnect"
#define JAAS_MAX_BYTES (1 << 20)

struct sl_rest_auth {
        sl_strmap_t *users; /* user -> password, file order */
        char *own_header;   /* "Basic ..." for the first user */
};

/* ----------------------------------------------------------- compare */

bool sl_ct_equal(const void *given, size_t given_len, const void *secret,
                 size_t secret_len)
{
        const volatile unsigned char *g = given, *s = secret;
        unsigned char diff = 0;

        for (size_t i = 0; i < secret_len; i++)
                diff |= (unsigned char)((i < given_len ? g[i] : 0) ^ s[i]);
        return (diff | (unsigned char)(given_len != secret_len)) == 0;
}

/* ------------------------------------------------------------ header */

int sl_basic_auth_decode(const char *header, char **user, char **password)
{
        sl_buf_t b = SL_BUF_INIT;
        const char *p, *e, *colon;
        size_t n;

        *user = *password = NULL;
        if (!header)
                return SL_ERR_PARSE;
        p = header;
        while (*p == ' ' || *p == '\t')
                p++;
        if (strncasecmp(p, "Basic", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
                return SL_ERR_PARSE;
        p += 5;
        while (*p == ' ' || *p == '\t')
                p++;
        e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        if (e == p || sl_base64_decode(p, (size_t)(e - p), &b) != 0)
                goto bad;
        n = b.len;
        if (!b.data || memchr(b.data, '\0', n))
                goto bad;
        colon = memchr(b.data, ':', n);
        if (!colon)
                goto bad;
        *user = strndup(b.data, (size_t)(colon - b.data));
        *password = strndup(colon + 1, n - (size_t)(colon - b.data) - 1);
        explicit_bzero(b.data, b.len);
        sl_buf_free(&b);
        if (!*user || !*password) {
                free(*user);
                free(*password);
                *user = *password = NULL;
                return SL_ERR_NOMEM;
        }
        return 0;
bad:
        if (b.data)
                explicit_bzero(b.data, b.len);
        sl_buf_free(&b);
        return SL_ERR_PARSE;
}

/* -------------------------------------------------------------- JAAS */

typedef enum { T_END, T_WORD, T_STRING, T_PUNCT, T_ERROR } tok_kind_t;

typedef struct jaas_lexer {
        const char *p;
        int line;
        tok_kind_t kind;
        char punct;  /* T_PUNCT: one of { } ; = */
        sl_buf_t text; /* T_WORD / T_STRING */
        const char *err;
} jaas_lexer_t;

static void skip_space(jaas_lexer_t *lx)
{
        for (;;) {
                const char *p = lx->p;
                if (*p == '\n') {
                        lx->line++;
                        lx->p++;
                } else if (isspace((unsigned char)*p)) {
                        lx->p++;
                } else if (p[0] == '/' && p[1] == '/') {
                        while (*lx->p && *lx->p != '\n')
                                lx->p++;
                } else if (p[0] == '/' && p[1] == '*') {
                        const char *e = strstr(p + 2, "*/");
                        for (const char *c = p; c < (e ? e : p + strlen(p)); c++)
                                lx->line += *c == '\n';
                        lx->p = e ? e + 2 : p + strlen(p);
                } else {
                        return;
                }
        }
}

static tok_kind_t next_token(jaas_lexer_t *lx)
{
        sl_buf_reset(&lx->text);
        skip_space(lx);
        if (!*lx->p)
                return lx->kind = T_END;
        if (strchr("{};=", *lx->p)) {
                lx->punct = *lx->p++;
                return lx->kind = T_PUNCT;
        }
        if (*lx->p == '"') {
                lx->p++;
                while (*lx->p && *lx->p != '"') {
                        char c = *lx->p++;
                        if (c == '\n') {
                                lx->err = "line break inside a quoted string";
                                return lx->kind = T_ERROR;
                        }
                        if (c == '\\' && *lx->p) {
                                c = *lx->p++;
                                c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
                        }
                        if (sl_buf_putc(&lx->text, c)) {
                                lx->err = "out of memory";
                                return lx->kind = T_ERROR;
                        }
                }
                if (*lx->p != '"') {
                        lx->err = "unterminated quoted string";
                        return lx->kind = T_ERROR;
                }
                lx->p++;
                if (!lx->text.data && sl_buf_puts(&lx->text, "")) {
                        lx->err = "out of memory";
                        return lx->kind = T_ERROR;
                }
                return lx->kind = T_STRING;
        }
        while (*lx->p && !isspace((unsigned char)*lx->p) &&
               !strchr("{};=\"", *lx->p) &&
               !(lx->p[0] == '/' && (lx->p[1] == '/' || lx->p[1] == '*'))) {
                if (sl_buf_putc(&lx->text, *lx->p++)) {
                        lx->err = "out of memory";
                        return lx->kind = T_ERROR;
                }
        }
        return lx->kind = T_WORD;
}

static bool is_punct(const jaas_lexer_t *lx, char c)
{
        return lx->kind == T_PUNCT && lx->punct == c;
}

static const char *tok_desc(const jaas_lexer_t *lx, char *buf, size_t n)
{
        switch (lx->kind) {
        case T_END:
                return "the end of the file";
        case T_PUNCT:
                snprintf(buf, n, "'%c'", lx->punct);
                return buf;
        case T_ERROR:
                return lx->err;
        default:
                snprintf(buf, n, "'%.60s'", lx->text.data ? lx->text.data : "");
                return buf;
        }
}

#define JAAS_FAIL(...)                                                         \
        do {                                                                   \
                rc = sl_seterr(errstr, errstr_size, SL_ERR_PARSE, __VA_ARGS__); \
                goto out;                                                      \
        } while (0)

static bool module_is_ours(const char *cls)
{
        return strcmp(cls, SL_REST_AUTH_LOGIN_MODULE) == 0 ||
               strcmp(cls, "PropertyFileLoginModule") == 0;
}

static bool flag_known(const char *f)
{
        return !strcasecmp(f, "required") || !strcasecmp(f, "requisite") ||
               !strcasecmp(f, "sufficient") || !strcasecmp(f, "optional");
}

int sl_jaas_credentials_file(const char *text, char **path, char *errstr,
                             size_t errstr_size)
{
        jaas_lexer_t lx = {.p = text ? text : "", .line = 1};
        char d[80], *file = NULL;
        bool found = false;
        int rc = 0;

        *path = NULL;
        sl_buf_init(&lx.text);
        for (next_token(&lx); lx.kind != T_END;) {
                bool ours;
                int nmodules = 0;

                if (lx.kind != T_WORD && lx.kind != T_STRING)
                        JAAS_FAIL("line %d: expected an entry name, found %s",
                                  lx.line, tok_desc(&lx, d, sizeof(d)));
                ours = strcmp(lx.text.data, JAAS_ENTRY) == 0;
                if (ours && found)
                        JAAS_FAIL("line %d: a second %s entry", lx.line,
                                  JAAS_ENTRY);
                found |= ours;
                next_token(&lx);
                if (!is_punct(&lx, '{'))
                        JAAS_FAIL("line %d: expected '{' after the entry "
                                  "name, found %s",
                                  lx.line, tok_desc(&lx, d, sizeof(d)));
                for (next_token(&lx); !is_punct(&lx, '}'); next_token(&lx)) {
                        char cls[256];
                        bool mine;

                        if (lx.kind != T_WORD)
                                JAAS_FAIL("line %d: expected a login module "
                                          "class or '}', found %s",
                                          lx.line,
                                          tok_desc(&lx, d, sizeof(d)));
                        snprintf(cls, sizeof(cls), "%s", lx.text.data);
                        mine = ours && module_is_ours(cls);
                        if (ours && !mine)
                                JAAS_FAIL("line %d: login module %s is not "
                                          "supported in the %s entry (only "
                                          "%s)",
                                          lx.line, cls, JAAS_ENTRY,
                                          SL_REST_AUTH_LOGIN_MODULE);
                        if (ours && ++nmodules > 1)
                                JAAS_FAIL("line %d: the %s entry must hold "
                                          "one login module",
                                          lx.line, JAAS_ENTRY);
                        next_token(&lx);
                        if (lx.kind != T_WORD || !flag_known(lx.text.data))
                                JAAS_FAIL("line %d: expected a control flag "
                                          "(required, requisite, "
                                          "sufficient, optional) after %s, "
                                          "found %s",
                                          lx.line, cls,
                                          tok_desc(&lx, d, sizeof(d)));
                        for (next_token(&lx); !is_punct(&lx, ';');) {
                                char key[128];

                                if (lx.kind != T_WORD)
                                        JAAS_FAIL("line %d: expected an "
                                                  "option or ';', found %s",
                                                  lx.line,
                                                  tok_desc(&lx, d, sizeof(d)));
                                snprintf(key, sizeof(key), "%s", lx.text.data);
                                next_token(&lx);
                                if (!is_punct(&lx, '='))
                                        JAAS_FAIL("line %d: expected '=' "
                                                  "after option %s, found %s",
                                                  lx.line, key,
                                                  tok_desc(&lx, d, sizeof(d)));
                                next_token(&lx);
                                if (lx.kind != T_WORD && lx.kind != T_STRING)
                                        JAAS_FAIL("line %d: expected a value "
                                                  "for option %s, found %s",
                                                  lx.line, key,
                                                  tok_desc(&lx, d, sizeof(d)));
                                if (mine && strcmp(key, "file") == 0) {
                                        free(file);
                                        file = strdup(lx.text.data);
                                        if (!file)
                                                JAAS_FAIL("out of memory");
                                }
                                next_token(&lx);
                        }
                }
                next_token(&lx);
                if (!is_punct(&lx, ';'))
                        JAAS_FAIL("line %d: expected ';' after '}', found %s",
                                  lx.line, tok_desc(&lx, d, sizeof(d)));
                if (ours && nmodules == 0)
                        JAAS_FAIL("line %d: the %s entry has no login module",
                                  lx.line, JAAS_ENTRY);
                next_token(&lx);
        }
        if (!found)
                JAAS_FAIL("no %s entry (expected %s { %s required "
                          "file=\"/path/to/credentials.properties\"; };)",
                          JAAS_ENTRY, JAAS_ENTRY, SL_REST_AUTH_LOGIN_MODULE);
        if (!file || !*file)
                JAAS_FAIL("the %s entry's %s has no file=\"...\" option",
                          JAAS_ENTRY, "PropertyFileLoginModule");
        *path = file;
        file = NULL;
out:
        free(file);
        sl_buf_free(&lx.text);
        return rc;
}

#undef JAAS_FAIL

/* -------------------------------------------------------------- setup */

static bool extension_is_basic_auth(const char *cls)
{
        return strcmp(cls, SL_REST_AUTH_EXTENSION) == 0 ||
               strcmp(cls, "BasicAuthSecurityRestExtension") == 0;
}

static int read_text(const char *path, char **out, char *errstr,
                     size_t errstr_size)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_read_file(&b, path, JAAS_MAX_BYTES);

        *out = NULL;
        if (rc) {
                sl_buf_free(&b);
                return sl_seterr(errstr, errstr_size,
                                 rc == SL_ERR_NOMEM ? SL_ERR_NOMEM : SL_ERR_CONFIG, "%s: %s",
                                 path, rc == -EFBIG ? "too large" : sl_err2str(rc));
        }
        *out = sl_buf_detach(&b, NULL);
        return 0;
}

static int make_own_header(sl_rest_auth_t *a)
{
        sl_buf_t plain = SL_BUF_INIT, hdr = SL_BUF_INIT;
        int rc;

        rc = sl_buf_printf(&plain, "%s:%s", sl_strmap_key_at(a->users, 0),
                           sl_strmap_value_at(a->users, 0));
        if (!rc)
                rc = sl_buf_puts(&hdr, "Basic ");
        if (!rc)
                rc = sl_base64_encode(plain.data, plain.len, &hdr);
        if (plain.data)
                explicit_bzero(plain.data, plain.len);
        sl_buf_free(&plain);
        if (rc) {
                sl_buf_free(&hdr);
                return SL_ERR_NOMEM;
        }
        if (!hdr.data || sl_buf_puts(&hdr, "")) {
                sl_buf_free(&hdr);
                return SL_ERR_NOMEM;
        }
        a->own_header = sl_buf_detach(&hdr, NULL);
        return 0;
}

int sl_rest_auth_new(const sl_strmap_t *config, sl_rest_auth_t **out,
                     char *errstr, size_t errstr_size)
{
        const char *classes = sl_strmap_get(config, "rest.extension.classes");
        const char *jaas_path = sl_strmap_get(config, SL_REST_AUTH_JAAS_KEY);
        char **items = NULL, *text = NULL, *cred_path = NULL, msg[512];
        bool basic = false;
        sl_rest_auth_t *a = NULL;
        int n, rc = 0;

        *out = NULL;
        n = classes ? sl_config_list(classes, &items) : 0;
        if (n < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        for (int i = 0; i < n; i++) {
                if (extension_is_basic_auth(items[i])) {
                        basic = true;
                        continue;
                }
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Invalid value %s for configuration "
                               "rest.extension.classes: Class %s could not "
                               "be found (sluice provides only %s)",
                               classes, items[i], SL_REST_AUTH_EXTENSION);
                goto out;
        }
        if (!basic)
                goto out;
        if (!jaas_path || !*jaas_path) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "rest.extension.classes enables "
                               "BasicAuthSecurityRestExtension, which needs "
                               "the JAAS file in the worker configuration "
                               "key %s",
                               SL_REST_AUTH_JAAS_KEY);
                goto out;
        }
        if (read_text(jaas_path, &text, msg, sizeof(msg)) ||
            sl_jaas_credentials_file(text, &cred_path, msg, sizeof(msg))) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: JAAS file %s: %s", SL_REST_AUTH_JAAS_KEY,
                               jaas_path, msg);
                goto out;
        }
        a = calloc(1, sizeof(*a));
        if (!a || !(a->users = sl_strmap_new())) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                               "out of memory");
                goto out;
        }
        if (sl_props_load(cred_path, a->users, msg, sizeof(msg))) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Basic auth credentials file (from JAAS file "
                               "%s): %s",
                               jaas_path, msg);
                goto out;
        }
        if (sl_strmap_count(a->users) == 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Basic auth credentials file %s (from JAAS "
                               "file %s) defines no user (expected "
                               "user=password lines)",
                               cred_path, jaas_path);
                goto out;
        }
        if (make_own_header(a)) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                               "out of memory");
                goto out;
        }
        *out = a;
        a = NULL;
out:
        sl_config_list_free(items, n > 0 ? n : 0);
        free(text);
        free(cred_path);
        sl_rest_auth_destroy(a);
        return rc;
}

void sl_rest_auth_destroy(sl_rest_auth_t *a)
{
        if (!a)
                return;
        if (a->users) {
                for (size_t i = 0; i < sl_strmap_count(a->users); i++) {
                        char *v = (char *)sl_strmap_value_at(a->users, i);
                        explicit_bzero(v, strlen(v));
                }
                sl_strmap_destroy(a->users);
        }
        if (a->own_header) {
                explicit_bzero(a->own_header, strlen(a->own_header));
                free(a->own_header);
        }
        free(a);
}

bool sl_rest_auth_check(const sl_rest_auth_t *a, const char *authorization)
{
        char *user = NULL, *pw = NULL;
        bool ok = false;

        if (!a || sl_basic_auth_decode(authorization, &user, &pw) != 0)
                return false;
        /* every user is compared so the time does not tell which matched */
        for (size_t i = 0; i < sl_strmap_count(a->users); i++) {
                const char *u = sl_strmap_key_at(a->users, i);
                const char *p = sl_strmap_value_at(a->users, i);
                bool um = sl_ct_equal(user, strlen(user), u, strlen(u));
                bool pm = sl_ct_equal(pw, strlen(pw), p, strlen(p));
                ok |= um & pm;
        }
        explicit_bzero(pw, strlen(pw));
        free(user);
        free(pw);
        return ok;
}

const char *sl_rest_auth_own_header(const sl_rest_auth_t *a)
{
        return a ? a->own_header : NULL;
}

size_t sl_rest_auth_user_count(const sl_rest_auth_t *a)
{
        return a ? sl_strmap_count(a->users) : 0;
}
