/* GnuTLS client sessions over non-blocking sockets (every wait bounded by
 * the caller's deadline) and PEM keystore checks. */
#include "util/tls.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

struct sl_tls_client {
        gnutls_certificate_credentials_t cred;
};

struct sl_tls_conn {
        gnutls_session_t s;
        int fd;
        int last_err;
};

/* ------------------------------------------------------------- waiting */

/* Waits for the direction GnuTLS is blocked on: 0, SL_ERR_TIMEOUT or
 * SL_ERR_IO. */
static int wait_session(gnutls_session_t s, int fd, int64_t deadline)
{
        short ev = gnutls_record_get_direction(s) ? POLLOUT : POLLIN;

        int rc = sl_fd_wait(fd, ev, deadline);

        return rc < 0 && rc != SL_ERR_TIMEOUT ? SL_ERR_IO : rc;
}

/* ------------------------------------------------------------- client */

static int set_trust(gnutls_certificate_credentials_t cred, const char *ca_pem,
                     char *errstr, size_t errstr_size)
{
        int rc;

        if (!ca_pem) {
                rc = gnutls_certificate_set_x509_system_trust(cred);
                if (rc < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "cannot load the system CA store: %s",
                                         gnutls_strerror(rc));
                return 0;
        }
        gnutls_datum_t d = {(unsigned char *)ca_pem,
                            (unsigned int)strlen(ca_pem)};
        rc = gnutls_certificate_set_x509_trust_mem(cred, &d,
                                                   GNUTLS_X509_FMT_PEM);
        if (rc <= 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "no trusted certificate loaded: %s",
                                 rc < 0 ? gnutls_strerror(rc)
                                        : "no CERTIFICATE block");
        return 0;
}

sl_tls_client_t *sl_tls_client_new(const char *ca_pem, const char *cert_pem,
                                   const char *key_pem,
                                   const char *key_password, char *errstr,
                                   size_t errstr_size)
{
        sl_tls_client_t *c = calloc(1, sizeof(*c));
        int rc;

        if (!c || gnutls_certificate_allocate_credentials(&c->cred) < 0) {
                free(c);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (set_trust(c->cred, ca_pem, errstr, errstr_size))
                goto fail;
        if (cert_pem && key_pem) {
                gnutls_datum_t cd = {(unsigned char *)cert_pem,
                                     (unsigned int)strlen(cert_pem)};
                gnutls_datum_t kd = {(unsigned char *)key_pem,
                                     (unsigned int)strlen(key_pem)};
                rc = gnutls_certificate_set_x509_key_mem2(
                        c->cred, &cd, &kd, GNUTLS_X509_FMT_PEM, key_password,
                        0);
                if (rc < 0) {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                  "cannot load the client certificate: %s",
                                  gnutls_strerror(rc));
                        goto fail;
                }
        }
        return c;
fail:
        sl_tls_client_destroy(c);
        return NULL;
}

void sl_tls_client_destroy(sl_tls_client_t *c)
{
        if (!c)
                return;
        gnutls_certificate_free_credentials(c->cred);
        free(c);
}

static bool is_ip(const char *host)
{
        unsigned char buf[sizeof(struct in6_addr)];
        return inet_pton(AF_INET, host, buf) == 1 ||
               inet_pton(AF_INET6, host, buf) == 1;
}

/* Why verification failed, in GnuTLS's words. */
static void verify_reason(gnutls_session_t s, char *out, size_t out_size)
{
        unsigned status = gnutls_session_get_verify_cert_status(s);
        gnutls_datum_t txt = {0};

        if (status &&
            gnutls_certificate_verification_status_print(
                    status, GNUTLS_CRT_X509, &txt, 0) == 0) {
                size_t n;
                snprintf(out, out_size, "%s", (const char *)txt.data);
                gnutls_free(txt.data);
                n = strlen(out);
                while (n > 0 && out[n - 1] == ' ')
                        out[--n] = '\0';
                return;
        }
        snprintf(out, out_size, "certificate verification failed");
}

int sl_tls_conn_open(const sl_tls_client_t *c, int fd, const char *host,
                     int64_t deadline, sl_tls_conn_t **out, char *errstr,
                     size_t errstr_size)
{
        sl_tls_conn_t *t = calloc(1, sizeof(*t));
        int rc;

        *out = NULL;
        if (!t)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        t->fd = fd;
        if (gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
                free(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        }
        if ((rc = gnutls_set_default_priority(t->s)) < 0 ||
            (rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
                                         c->cred)) < 0 ||
            (!is_ip(host) &&
             (rc = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host,
                                          strlen(host))) < 0)) {
                sl_tls_conn_close(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "TLS setup failed: %s", gnutls_strerror(rc));
        }
        /* checks the chain and that the certificate names host */
        gnutls_session_set_verify_cert(t->s, host, 0);
        gnutls_transport_set_int(t->s, fd);
        gnutls_handshake_set_timeout(t->s, 0); /* the deadline bounds it */
        for (;;) {
                rc = gnutls_handshake(t->s);
                if (rc == 0)
                        break;
                if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
                        int w = wait_session(t->s, fd, deadline);
                        if (w == SL_ERR_TIMEOUT) {
                                sl_tls_conn_close(t);
                                return sl_seterr(errstr, errstr_size,
                                                 SL_ERR_TIMEOUT,
                                                 "timed out in the TLS "
                                                 "handshake with %s",
                                                 host);
                        }
                        if (w == 0)
                                continue;
                }
                if (!gnutls_error_is_fatal(rc))
                        continue;
                if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
                        char why[512];
                        verify_reason(t->s, why, sizeof(why));
                        sl_tls_conn_close(t);
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "TLS certificate of %s rejected: %s",
                                         host, why);
                }
                sl_tls_conn_close(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "TLS handshake with %s failed: %s", host,
                                 gnutls_strerror(rc));
        }
        *out = t;
        return 0;
}

int sl_tls_conn_send(sl_tls_conn_t *t, const void *p, size_t n,
                     int64_t deadline)
{
        const char *b = p;

        while (n > 0) {
                ssize_t w = gnutls_record_send(t->s, b, n);
                if (w > 0) {
                        b += w;
                        n -= (size_t)w;
                        continue;
                }
                if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
                        int rc = wait_session(t->s, t->fd, deadline);
                        if (rc)
                                return rc;
                        continue;
                }
                t->last_err = (int)w;
                return SL_ERR_IO;
        }
        return 0;
}

ssize_t sl_tls_conn_recv(sl_tls_conn_t *t, void *p, size_t n,
                         int64_t deadline)
{
        for (;;) {
                ssize_t r = gnutls_record_recv(t->s, p, n);
                if (r >= 0)
                        return r;
                /* a peer that closes without close_notify ends the stream
                 * too; HTTP framing tells a cut-off body */
                if (r == GNUTLS_E_PREMATURE_TERMINATION)
                        return 0;
                if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                        int rc = wait_session(t->s, t->fd, deadline);
                        if (rc)
                                return rc;
                        continue;
                }
                if (!gnutls_error_is_fatal((int)r))
                        continue;
                t->last_err = (int)r;
                return SL_ERR_IO;
        }
}

const char *sl_tls_conn_error(const sl_tls_conn_t *t)
{
        return t && t->last_err ? gnutls_strerror(t->last_err) : "TLS error";
}

void sl_tls_conn_close(sl_tls_conn_t *t)
{
        if (!t)
                return;
        gnutls_deinit(t->s);
        free(t);
}

/* ---------------------------------------------------------------- PEM */

/* The label of a "-----BEGIN <label>-----" line at p, or false. */
static bool pem_begin(const char *p, const char **label, size_t *len)
{
        const char *e;

        if (strncmp(p, "-----BEGIN ", 11) != 0)
                return false;
        p += 11;
        e = strstr(p, "-----");
        if (!e || memchr(p, '\n', (size_t)(e - p)))
                return false;
        *label = p;
        *len = (size_t)(e - p);
        return true;
}

static bool label_is_key(const char *l, size_t n)
{
        return n >= 11 && memcmp(l + n - 11, "PRIVATE KEY", 11) == 0;
}

int sl_pem_split(const char *pem, char **certs, char **key)
{
        sl_buf_t cb = SL_BUF_INIT;
        const char *p = pem;

        *certs = *key = NULL;
        while (p && *p) {
                const char *label, *end;
                char endline[128];
                size_t n;

                if (!pem_begin(p, &label, &n) || n + 16 >= sizeof(endline)) {
                        p = strchr(p, '\n');
                        if (p)
                                p++;
                        continue;
                }
                snprintf(endline, sizeof(endline), "-----END %.*s-----",
                         (int)n, label);
                end = strstr(p, endline);
                if (!end)
                        break; /* truncated block: GnuTLS reports it */
                end += strlen(endline);
                if (n == 11 && memcmp(label, "CERTIFICATE", 11) == 0) {
                        if (sl_buf_append(&cb, p, (size_t)(end - p)) ||
                            sl_buf_putc(&cb, '\n'))
                                goto nomem;
                } else if (label_is_key(label, n) && !*key) {
                        *key = strndup(p, (size_t)(end - p));
                        if (!*key)
                                goto nomem;
                }
                p = end;
        }
        if (cb.len)
                *certs = sl_buf_detach(&cb, NULL);
        sl_buf_free(&cb);
        return 0;
nomem:
        sl_buf_free(&cb);
        sl_tls_free_secret(*key);
        *key = NULL;
        return SL_ERR_NOMEM;
}

bool sl_pem_key_encrypted(const char *key_pem)
{
        return key_pem && (strstr(key_pem, "-----BEGIN ENCRYPTED PRIVATE KEY") ||
                           strstr(key_pem, "Proc-Type: 4,ENCRYPTED"));
}

int sl_tls_check_certs(const char *pem, char *errstr, size_t errstr_size)
{
        gnutls_x509_crt_t *crts = NULL;
        unsigned n = 0;
        gnutls_datum_t d = {(unsigned char *)pem, (unsigned int)strlen(pem)};
        int rc = gnutls_x509_crt_list_import2(&crts, &n, &d,
                                              GNUTLS_X509_FMT_PEM, 0);

        if (rc < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE, "%s",
                                 rc == GNUTLS_E_NO_CERTIFICATE_FOUND ||
                                                 rc == GNUTLS_E_BASE64_DECODING_ERROR
                                         ? "no PEM certificate found"
                                         : gnutls_strerror(rc));
        for (unsigned i = 0; i < n; i++)
                gnutls_x509_crt_deinit(crts[i]);
        gnutls_free(crts);
        if (n == 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "no PEM certificate found");
        return n > INT_MAX ? INT_MAX : (int)n;
}

int sl_tls_load_key(const char *cert_pem, const char *key_pem,
                    const char *password, char **plain_key, char *errstr,
                    size_t errstr_size)
{
        gnutls_x509_privkey_t key = NULL;
        gnutls_certificate_credentials_t cred = NULL;
        gnutls_datum_t kd = {(unsigned char *)key_pem,
                             (unsigned int)strlen(key_pem)};
        gnutls_datum_t cd = {(unsigned char *)cert_pem,
                             (unsigned int)strlen(cert_pem)};
        gnutls_datum_t out = {0};
        int rc;

        *plain_key = NULL;
        if (gnutls_x509_privkey_init(&key) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        rc = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM,
                                         password && *password ? password
                                                               : NULL,
                                         password && *password
                                                 ? 0
                                                 : GNUTLS_PKCS_PLAIN);
        if (rc < 0) {
                gnutls_x509_privkey_deinit(key);
                if (rc == GNUTLS_E_DECRYPTION_FAILED)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "cannot decrypt the private key "
                                         "(wrong password?)");
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "cannot load the private key: %s",
                                 gnutls_strerror(rc));
        }
        /* PKCS#8: GnuTLS's own SEC1 export of an EC key leaves out the
         * curve, and it cannot load that back */
        rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                               GNUTLS_PKCS_PLAIN, &out);
        gnutls_x509_privkey_deinit(key);
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "cannot export the private key: %s",
                                 gnutls_strerror(rc));
        *plain_key = strndup((const char *)out.data, out.size);
        memset(out.data, 0, out.size);
        gnutls_free(out.data);
        if (!*plain_key)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");

        /* the same load the listener does: reports a mismatched pair */
        kd.data = (unsigned char *)*plain_key;
        kd.size = (unsigned int)strlen(*plain_key);
        if (gnutls_certificate_allocate_credentials(&cred) < 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                               "out of memory");
                goto fail;
        }
        rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd,
                                                  GNUTLS_X509_FMT_PEM, NULL, 0);
        gnutls_certificate_free_credentials(cred);
        if (rc < 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s",
                               rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
                                       ? "the private key does not match "
                                         "the certificate"
                                       : gnutls_strerror(rc));
                goto fail;
        }
        return 0;
fail:
        sl_tls_free_secret(*plain_key);
        *plain_key = NULL;
        return rc;
}

void sl_tls_free_secret(char *s)
{
        if (!s)
                return;
        explicit_bzero(s, strlen(s));
        free(s);
}
