/* Worker-to-worker REST requests with the worker's TLS and basic auth
 * settings. */
#include "rest/rest_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/rest_auth.h"
#include "rest/rest_tls.h"

struct sl_rest_client {
        sl_tls_client_t *tls; /* NULL: system CAs, no client certificate */
        sl_rest_auth_t *auth; /* NULL: no basic auth */
};

sl_rest_client_t *sl_rest_client_new(const sl_strmap_t *config, char *errstr,
                                     size_t errstr_size)
{
        sl_rest_client_t *c = calloc(1, sizeof(*c));
        sl_rest_tls_t t;
        char err[1024];

        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (sl_rest_tls_load(config, false, &t, errstr, errstr_size))
                goto fail;
        if (t.trust_pem || t.cert_pem) {
                c->tls = sl_rest_tls_client(&t, err, sizeof(err));
                if (!c->tls) {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                  "REST client TLS: %s", err);
                        sl_rest_tls_clear(&t);
                        goto fail;
                }
        }
        sl_rest_tls_clear(&t);
        if (sl_rest_auth_new(config, &c->auth, errstr, errstr_size))
                goto fail;
        return c;
fail:
        sl_rest_client_destroy(c);
        return NULL;
}

void sl_rest_client_destroy(sl_rest_client_t *c)
{
        if (!c)
                return;
        sl_tls_client_destroy(c->tls);
        sl_rest_auth_destroy(c->auth);
        free(c);
}

int sl_rest_client_request(sl_rest_client_t *c, const char *url,
                           const char *method, const char *path,
                           const char *authorization, const char *body,
                           size_t body_len, int timeout_ms,
                           sl_http_response_t *resp, char *errstr,
                           size_t errstr_size)
{
        const char *auth = authorization;
        const char *headers[2] = {NULL, NULL};
        char *line = NULL;
        int rc;

        if (!auth && c)
                auth = sl_rest_auth_own_header(c->auth);
        if (auth) {
                if (asprintf(&line, "Authorization: %s", auth) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "%s %s: out of memory", method, url);
                headers[0] = line;
        }
        rc = sl_http_request_tls(c ? c->tls : NULL, url, method, path,
                                 headers, body, body_len, timeout_ms, resp,
                                 errstr, errstr_size);
        if (line) {
                explicit_bzero(line, strlen(line));
                free(line);
        }
        return rc;
}
