/* util/tls.c and the https path of util/http_client.c against a GnuTLS
 * server thread on 127.0.0.1:0, with certificates made in the test; and
 * rest/rest_tls.c's reading of the ssl.* worker keys. */
#include "rest/rest_tls.h"
#include "sluice/common.h"
#include "util/http_client.h"
#include "util/tls.h"
#include "sl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* -------------------------------------------------------- certificates */

typedef struct pem_pair {
        char *key;  /* PKCS#8 PEM */
        char *cert; /* PEM */
} pem_pair_t;

static pem_pair_t good;  /* self-signed, SAN IP 127.0.0.1 only */
static pem_pair_t other; /* self-signed, trusted by nobody */
static char tmpdir[128];

static char *datum_str(gnutls_datum_t *d)
{
        char *s = strndup((const char *)d->data, d->size);
        gnutls_free(d->data);
        return s;
}

static int make_cert(pem_pair_t *out, const char *cn, bool ip_san)
{
        gnutls_x509_privkey_t key;
        gnutls_x509_crt_t crt;
        gnutls_datum_t d;
        unsigned char ip[4] = {127, 0, 0, 1};
        unsigned char serial[4] = {1, 2, 3, (unsigned char)cn[0]};
        char dn[64];
        time_t now = time(NULL);
        int rc = 0;

        snprintf(dn, sizeof(dn), "CN=%s", cn);
        gnutls_x509_privkey_init(&key);
        gnutls_x509_crt_init(&crt);
        rc |= gnutls_x509_privkey_generate(
                key, GNUTLS_PK_EC,
                GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
        rc |= gnutls_x509_crt_set_version(crt, 3);
        rc |= gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
        rc |= gnutls_x509_crt_set_activation_time(crt, now - 3600);
        rc |= gnutls_x509_crt_set_expiration_time(crt, now + 86400);
        rc |= gnutls_x509_crt_set_dn(crt, dn, NULL);
        if (ip_san)
                rc |= gnutls_x509_crt_set_subject_alt_name(
                        crt, GNUTLS_SAN_IPADDRESS, ip, sizeof(ip),
                        GNUTLS_FSAN_APPEND);
        rc |= gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
        rc |= gnutls_x509_crt_set_key_usage(
                crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN);
        rc |= gnutls_x509_crt_set_key(crt, key);
        rc |= gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
        if (rc == 0 && gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) == 0)
                out->cert = datum_str(&d);
        if (rc == 0 && gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM,
                                                         NULL, GNUTLS_PKCS_PLAIN,
                                                         &d) == 0)
                out->key = datum_str(&d);
        gnutls_x509_crt_deinit(crt);
        gnutls_x509_privkey_deinit(key);
        return out->cert && out->key ? 0 : -1;
}

/* The key of p encrypted with password (PKCS#8, AES-256). */
static char *encrypted_key(const pem_pair_t *p, const char *password)
{
        gnutls_x509_privkey_t key;
        gnutls_datum_t in = {(unsigned char *)p->key, (unsigned)strlen(p->key)};
        gnutls_datum_t d;
        char *s = NULL;

        gnutls_x509_privkey_init(&key);
        if (gnutls_x509_privkey_import2(key, &in, GNUTLS_X509_FMT_PEM, NULL, 0) == 0 &&
            gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, password,
                                              GNUTLS_PKCS_PBES2_AES_256, &d) == 0)
                s = datum_str(&d);
        gnutls_x509_privkey_deinit(key);
        return s;
}

static const char *write_file(const char *name, const char *text)
{
        static char paths[16][256];
        static int next;
        char *p = paths[next++ % 16];
        FILE *f;

        snprintf(p, 256, "%s/%s", tmpdir, name);
        f = fopen(p, "w");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
        return p;
}

/* -------------------------------------------------------------- server */

typedef enum { SRV_TLS, SRV_PLAIN, SRV_SILENT } srv_mode_t;

typedef struct srv {
        int lfd, port;
        srv_mode_t mode;
        bool require_client_cert;
        bool handshake_ok;
        bool client_cert_seen;
        char req[4096];
        pthread_t th;
} srv_t;

static void *srv_main(void *arg)
{
        srv_t *s = arg;
        static const char reply[] =
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        gnutls_certificate_credentials_t cred = NULL;
        gnutls_session_t ses = NULL;
        struct timeval tv = {3, 0};
        size_t n = 0;
        int fd = accept(s->lfd, NULL, NULL);

        if (fd < 0)
                return NULL;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (s->mode == SRV_SILENT) {
                char tmp[256];
                while (recv(fd, tmp, sizeof(tmp), 0) > 0)
                        ;
        } else if (s->mode == SRV_PLAIN) {
                char tmp[256];
                (void)recv(fd, tmp, sizeof(tmp), 0);
                (void)send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
        } else {
                gnutls_datum_t c = {(unsigned char *)good.cert,
                                    (unsigned)strlen(good.cert)};
                gnutls_datum_t k = {(unsigned char *)good.key,
                                    (unsigned)strlen(good.key)};
                gnutls_certificate_allocate_credentials(&cred);
                gnutls_certificate_set_x509_key_mem(cred, &c, &k,
                                                    GNUTLS_X509_FMT_PEM);
                gnutls_certificate_set_x509_trust_mem(cred, &c,
                                                      GNUTLS_X509_FMT_PEM);
                gnutls_init(&ses, GNUTLS_SERVER);
                gnutls_set_default_priority(ses);
                gnutls_credentials_set(ses, GNUTLS_CRD_CERTIFICATE, cred);
                if (s->require_client_cert) {
                        gnutls_certificate_server_set_request(ses,
                                                              GNUTLS_CERT_REQUIRE);
                        gnutls_session_set_verify_cert(ses, NULL, 0);
                }
                gnutls_transport_set_int(ses, fd);
                if (gnutls_handshake(ses) == 0) {
                        unsigned np = 0;
                        s->handshake_ok = true;
                        s->client_cert_seen =
                                gnutls_certificate_get_peers(ses, &np) && np > 0;
                        while (!strstr(s->req, "\r\n\r\n") &&
                               n < sizeof(s->req) - 1) {
                                ssize_t r = gnutls_record_recv(ses, s->req + n,
                                                               sizeof(s->req) - 1 - n);
                                if (r <= 0)
                                        break;
                                n += (size_t)r;
                                s->req[n] = '\0';
                        }
                        gnutls_record_send(ses, reply, sizeof(reply) - 1);
                        gnutls_bye(ses, GNUTLS_SHUT_WR);
                }
                gnutls_deinit(ses);
                gnutls_certificate_free_credentials(cred);
        }
        close(fd);
        return NULL;
}

static int srv_start(srv_t *s, srv_mode_t mode, bool require_client_cert)
{
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        struct timeval tv = {3, 0};

        memset(s, 0, sizeof(*s));
        s->mode = mode;
        s->require_client_cert = require_client_cert;
        s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, len) != 0 ||
            listen(s->lfd, 4) != 0 ||
            getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0)
                return -1;
        setsockopt(s->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        s->port = ntohs(a.sin_port);
        return pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_stop(srv_t *s)
{
        pthread_join(s->th, NULL);
        close(s->lfd);
}

/* GET https://host:port/x through client c (NULL: system CAs). */
static int get(const sl_tls_client_t *c, const char *host, const srv_t *s,
               int timeout_ms, sl_http_response_t *r, char *err, size_t errsz)
{
        char url[128];
        const char *hdrs[] = {"X-Test: 1", NULL};

        snprintf(url, sizeof(url), "https://%s:%d", host, s->port);
        return sl_http_request_tls(c, url, "GET", "/x", hdrs, NULL, 0,
                                   timeout_ms, r, err, errsz);
}

/* --------------------------------------------------------------- tests */

static void test_https_get(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        sl_tls_client_t *c = sl_tls_client_new(good.cert, NULL, NULL, NULL,
                                               err, sizeof(err));
        srv_t s;

        CHECK(c != NULL);
        if (!c || srv_start(&s, SRV_TLS, false))
                return (void)sl_test_failures++;
        int rc = get(c, "127.0.0.1", &s, 5000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  %s\n", err);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.body, "hello");
        srv_stop(&s);
        CHECK(s.handshake_ok);
        CHECK_CONTAINS(s.req, "GET /x HTTP/1.1\r\n");
        CHECK_CONTAINS(s.req, "X-Test: 1\r\n");
        CHECK(!s.client_cert_seen);
        sl_http_response_clear(&r);
        sl_tls_client_destroy(c);
}

static void test_untrusted_server_rejected(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        sl_tls_client_t *c = sl_tls_client_new(other.cert, NULL, NULL, NULL,
                                               err, sizeof(err));
        srv_t s;

        if (!c || srv_start(&s, SRV_TLS, false))
                return (void)sl_test_failures++;
        CHECK_INT(get(c, "127.0.0.1", &s, 5000, &r, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "GET https://127.0.0.1:");
        CHECK_CONTAINS(err, "TLS certificate of 127.0.0.1 rejected");
        CHECK_CONTAINS(err, "NOT trusted.");
        CHECK(err[strlen(err) - 1] != ' ');
        CHECK(r.body == NULL);
        srv_stop(&s);
        CHECK(!s.handshake_ok);
        sl_tls_client_destroy(c);

        /* nor by the system CAs (sl_http_request's default) */
        if (srv_start(&s, SRV_TLS, false))
                return (void)sl_test_failures++;
        CHECK_INT(get(NULL, "127.0.0.1", &s, 5000, &r, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "rejected");
        srv_stop(&s);
}

static void test_host_name_checked(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        sl_tls_client_t *c = sl_tls_client_new(good.cert, NULL, NULL, NULL,
                                               err, sizeof(err));
        srv_t s;

        /* the certificate names 127.0.0.1 only */
        if (!c || srv_start(&s, SRV_TLS, false))
                return (void)sl_test_failures++;
        CHECK_INT(get(c, "localhost", &s, 5000, &r, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "TLS certificate of localhost rejected");
        CHECK_CONTAINS(err, "name");
        srv_stop(&s);
        sl_tls_client_destroy(c);
}

static void test_plain_server(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        srv_t s;

        if (srv_start(&s, SRV_PLAIN, false))
                return (void)sl_test_failures++;
        CHECK_INT(get(NULL, "127.0.0.1", &s, 5000, &r, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "TLS handshake with 127.0.0.1 failed");
        srv_stop(&s);
}

static void test_handshake_timeout(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        sl_tls_client_t *c = sl_tls_client_new(good.cert, NULL, NULL, NULL,
                                               err, sizeof(err));
        srv_t s;

        if (!c || srv_start(&s, SRV_SILENT, false))
                return (void)sl_test_failures++;
        CHECK_INT(get(c, "127.0.0.1", &s, 300, &r, err, sizeof(err)),
                  SL_ERR_TIMEOUT);
        CHECK_CONTAINS(err, "timed out in the TLS handshake");
        srv_stop(&s);
        sl_tls_client_destroy(c);
}

static void test_client_certificate(void)
{
        char err[1024] = "";
        sl_http_response_t r;
        sl_tls_client_t *with = sl_tls_client_new(good.cert, good.cert,
                                                  good.key, NULL, err,
                                                  sizeof(err));
        sl_tls_client_t *without = sl_tls_client_new(good.cert, NULL, NULL,
                                                     NULL, err, sizeof(err));
        srv_t s;

        if (!with || !without || srv_start(&s, SRV_TLS, true))
                return (void)sl_test_failures++;
        CHECK_INT(get(with, "127.0.0.1", &s, 5000, &r, err, sizeof(err)), 0);
        CHECK_INT(r.status, 200);
        sl_http_response_clear(&r);
        srv_stop(&s);
        CHECK(s.client_cert_seen);

        if (srv_start(&s, SRV_TLS, true))
                return (void)sl_test_failures++;
        CHECK(get(without, "127.0.0.1", &s, 5000, &r, err, sizeof(err)) != 0);
        srv_stop(&s);
        CHECK(!s.handshake_ok);
        sl_tls_client_destroy(with);
        sl_tls_client_destroy(without);

        /* a key that is not the certificate's */
        CHECK(sl_tls_client_new(NULL, good.cert, other.key, NULL, err,
                                sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "client certificate");
        CHECK(sl_tls_client_new("garbage", NULL, NULL, NULL, err,
                                sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "no trusted certificate");
}

static void test_pem_split(void)
{
        char *certs = NULL, *key = NULL, text[8192];

        snprintf(text, sizeof(text), "junk before\n%s%s# between\n%s",
                 good.key, good.cert, other.cert);
        CHECK_INT(sl_pem_split(text, &certs, &key), 0);
        /* the block without the text around it */
        CHECK(key && strlen(key) == strlen(good.key) - 1 &&
              strncmp(key, good.key, strlen(key)) == 0);
        CHECK(certs && strstr(certs, good.cert) && strstr(certs, other.cert));
        CHECK_INT(sl_tls_check_certs(certs, text, sizeof(text)), 2);
        CHECK(!sl_pem_key_encrypted(key));
        free(certs);
        sl_tls_free_secret(key);

        CHECK_INT(sl_pem_split("nothing here", &certs, &key), 0);
        CHECK(certs == NULL && key == NULL);
        CHECK_INT(sl_tls_check_certs("nothing here", text, sizeof(text)),
                  SL_ERR_PARSE);
        CHECK_CONTAINS(text, "no PEM certificate");
        /* truncated block */
        CHECK_INT(sl_pem_split("-----BEGIN CERTIFICATE-----\nMIIB\n", &certs,
                               &key),
                  0);
        CHECK(certs == NULL && key == NULL);
}

static void test_load_key(void)
{
        char err[512] = "", *plain = NULL, *enc = encrypted_key(&good, "pw1");

        CHECK_INT(sl_tls_load_key(good.cert, good.key, NULL, &plain, err,
                                  sizeof(err)),
                  0);
        CHECK(plain && strstr(plain, "PRIVATE KEY") != NULL);
        sl_tls_free_secret(plain);

        CHECK_INT(sl_tls_load_key(good.cert, other.key, NULL, &plain, err,
                                  sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "does not match the certificate");
        CHECK(plain == NULL);

        CHECK(enc && sl_pem_key_encrypted(enc));
        if (!enc)
                return;
        CHECK_INT(sl_tls_load_key(good.cert, enc, "pw1", &plain, err,
                                  sizeof(err)),
                  0);
        CHECK(plain && !sl_pem_key_encrypted(plain));
        sl_tls_free_secret(plain);
        CHECK(sl_tls_load_key(good.cert, enc, "wrong", &plain, err,
                              sizeof(err)) != 0);
        CHECK_CONTAINS(err, "decrypt");
        CHECK(plain == NULL);
        CHECK(sl_tls_load_key(good.cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                         "-----END PRIVATE KEY-----\n",
                              NULL, &plain, err, sizeof(err)) != 0);
        CHECK_CONTAINS(err, "private key");
        free(enc);
}

/* -------------------------------------------------------- ssl.* keys */

static int load(sl_strmap_t *m, bool need, sl_rest_tls_t *t, char *err,
                size_t errsz)
{
        int rc = sl_rest_tls_load(m, need, t, err, errsz);
        sl_strmap_destroy(m);
        return rc;
}

static sl_strmap_t *map(const char *k1, const char *v1, const char *k2,
                        const char *v2)
{
        sl_strmap_t *m = sl_strmap_new();
        if (k1)
                sl_strmap_set(m, k1, v1);
        if (k2)
                sl_strmap_set(m, k2, v2);
        return m;
}

static void test_rest_tls_keys(void)
{
        char err[1024], both[8192], *enc = encrypted_key(&good, "kpw");
        sl_rest_tls_t t;
        const char *ks, *ks_plain, *trust = write_file("ca.pem", good.cert);

        snprintf(both, sizeof(both), "%s%s", good.key, good.cert);
        ks = ks_plain = write_file("ks.pem", both);

        /* nothing configured: fine unless a listener needs a keystore */
        CHECK_INT(load(map(NULL, NULL, NULL, NULL), false, &t, err, sizeof(err)), 0);
        CHECK(t.cert_pem == NULL && t.trust_pem == NULL);
        CHECK_INT(load(map(NULL, NULL, NULL, NULL), true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "needs a keystore");

        CHECK_INT(load(map("ssl.keystore.location", ks, "ssl.truststore.location", trust),
                       true, &t, err, sizeof(err)),
                  0);
        CHECK(t.cert_pem && t.key_pem && t.trust_pem);
        CHECK_INT(t.client_auth, SL_CLIENT_AUTH_NONE);
        sl_rest_tls_clear(&t);

        /* the listeners.https. key wins */
        CHECK_INT(load(map("ssl.keystore.location", "/nonexistent/a.pem",
                           "listeners.https.ssl.keystore.location", ks),
                       true, &t, err, sizeof(err)),
                  0);
        sl_rest_tls_clear(&t);
        CHECK_INT(load(map("ssl.keystore.location", ks,
                           "listeners.https.ssl.keystore.location", "/nonexistent/b.pem"),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "listeners.https.ssl.keystore.location: cannot read "
                            "/nonexistent/b.pem");

        /* inline PEM */
        CHECK_INT(load(map("ssl.keystore.key", good.key,
                           "ssl.keystore.certificate.chain", good.cert),
                       true, &t, err, sizeof(err)),
                  0);
        sl_rest_tls_clear(&t);
        CHECK_INT(load(map("ssl.keystore.key", good.key, NULL, NULL), true, &t,
                       err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "ssl.keystore.key needs ssl.keystore.certificate.chain");
        CHECK_INT(load(map("ssl.keystore.key", good.key, "ssl.keystore.location", ks),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "not both");

        CHECK_INT(load(map("ssl.keystore.location", ks, "ssl.keystore.type", "PKCS12"),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "ssl.keystore.type=PKCS12 is not supported");
        CHECK_INT(load(map("ssl.keystore.location", ks, "ssl.truststore.type", "JKS"),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "ssl.truststore.type=JKS is not supported");

        CHECK_INT(load(map("ssl.keystore.location", trust, NULL, NULL), true, &t, err,
                       sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "no PEM private key");
        CHECK_CONTAINS(err, trust);

        if (enc) {
                snprintf(both, sizeof(both), "%s%s", enc, good.cert);
                ks = write_file("ks-enc.pem", both);
                CHECK_INT(load(map("ssl.keystore.location", ks, NULL, NULL), true, &t,
                               err, sizeof(err)),
                          SL_ERR_CONFIG);
                CHECK_CONTAINS(err, "encrypted: set ssl.key.password");
                CHECK_INT(load(map("ssl.keystore.location", ks, "ssl.key.password",
                                   "kpw"),
                               true, &t, err, sizeof(err)),
                          0);
                CHECK(t.key_pem && !sl_pem_key_encrypted(t.key_pem));
                sl_rest_tls_clear(&t);
                free(enc);
        }

        CHECK_INT(load(map("ssl.truststore.certificates", "not pem", NULL, NULL), false,
                       &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "ssl.truststore.certificates: no PEM certificate");
        CHECK_INT(load(map("ssl.truststore.certificates", good.cert, NULL, NULL), false,
                       &t, err, sizeof(err)),
                  0);
        CHECK(t.trust_pem != NULL);
        sl_rest_tls_clear(&t);

        CHECK_INT(load(map("ssl.keystore.location", ks_plain,
                           "ssl.client.auth", "required"),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "needs a truststore");
        CHECK_INT(load(map("listeners.https.ssl.client.auth", "REQUESTED", NULL, NULL),
                       false, &t, err, sizeof(err)),
                  0);
        CHECK_INT(t.client_auth, SL_CLIENT_AUTH_REQUESTED);

        /* the listener takes the prefixed keys, all or nothing; the client
         * the plain ones when there are any */
        CHECK_INT(load(map("ssl.truststore.certificates", good.cert,
                           "listeners.https.ssl.truststore.location", "/nonexistent/t.pem"),
                       false, &t, err, sizeof(err)),
                  0);
        CHECK(t.trust_pem != NULL);
        sl_rest_tls_clear(&t);
        CHECK_INT(load(map("ssl.keystore.location", ks_plain,
                           "listeners.https.ssl.truststore.location", trust),
                       true, &t, err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "needs a keystore");
        CHECK_INT(load(map("ssl.client.auth", "sometimes", NULL, NULL), false, &t, err,
                       sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "Invalid value sometimes for configuration ssl.client.auth");
}

int main(void)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-test-tls-XXXXXX");
        if (!mkdtemp(tmpdir) || make_cert(&good, "good", true) ||
            make_cert(&other, "other", false)) {
                fprintf(stderr, "test setup failed\n");
                return 1;
        }
        sl_log_set_level(SL_LOG_ERROR);
        RUN(test_https_get);
        RUN(test_untrusted_server_rejected);
        RUN(test_host_name_checked);
        RUN(test_plain_server);
        RUN(test_handshake_timeout);
        RUN(test_client_certificate);
        RUN(test_pem_split);
        RUN(test_load_key);
        RUN(test_rest_tls_keys);
        {
                char cmd[200];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", tmpdir);
        }
        TEST_MAIN_END();
}
