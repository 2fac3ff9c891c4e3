/* Kafka Connect's ssl.* worker keys for the REST listener and client,
 * PEM only, checked at start so a bad key or certificate stops the worker
 * with a message naming the key and file. */
#include "rest/rest_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#define PEM_MAX_BYTES (1 << 20)

/* The keys of one side: "" or SL_REST_TLS_PREFIX before every name. */
typedef struct keyset {
        const sl_strmap_t *cfg;
        const char *prefix;
} keyset_t;

/* A key's value (empty counts as unset); *name: the key as configured,
 * for messages. */
static const char *get(const keyset_t *ks, const char *key, char *name,
                       size_t name_size)
{
        const char *v;

        snprintf(name, name_size, "%s%s", ks->prefix, key);
        v = sl_strmap_get(ks->cfg, name);
        return v && *v ? v : NULL;
}

static bool has_ssl_key(const sl_strmap_t *cfg, const char *prefix)
{
        size_t n = strlen(prefix);

        for (size_t i = 0; i < sl_strmap_count(cfg); i++) {
                const char *k = sl_strmap_key_at(cfg, i);
                if (strncmp(k, prefix, n) == 0 && strncmp(k + n, "ssl.", 4) == 0)
                        return true;
        }
        return false;
}

static int read_pem_file(const char *key, const char *path, char **out,
                         char *errstr, size_t errstr_size)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_read_file(&b, path, PEM_MAX_BYTES);

        *out = NULL;
        if (rc) {
                if (b.data)
                        explicit_bzero(b.data, b.len);
                sl_buf_free(&b);
                if (rc == -EFBIG)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "%s: %s is too large for a PEM file", key, path);
                return sl_seterr(errstr, errstr_size,
                                 rc == SL_ERR_NOMEM ? SL_ERR_NOMEM : SL_ERR_CONFIG,
                                 "%s: cannot read %s: %s", key, path, sl_err2str(rc));
        }
        *out = sl_buf_detach(&b, NULL);
        return 0;
}

static int check_type(const keyset_t *cfg, const char *key, char *errstr,
                      size_t errstr_size)
{
        char name[128];
        const char *type = get(cfg, key, name, sizeof(name));

        if (!type || !strcasecmp(type, "PEM"))
                return 0;
        if (!strcasecmp(type, "JKS") || !strcasecmp(type, "PKCS12"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "%s=%s is not supported: sluice reads PEM "
                                 "stores only (set %s=PEM and convert the "
                                 "store, e.g. with openssl pkcs12 or keytool "
                                 "-exportcert -rfc)",
                                 name, type, name);
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "Invalid value %s for configuration %s: String must "
                         "be one of: PEM (JKS and PKCS12 are not supported)",
                         type, name);
}

/* "ssl.keystore.location /path" or the inline keys' names. */
static void describe(char *out, size_t n, const char *key, const char *file)
{
        if (file)
                snprintf(out, n, "%s (%s)", key, file);
        else
                snprintf(out, n, "%s", key);
}

static int load_keystore(const keyset_t *cfg, bool need,
                         sl_rest_tls_t *t, char *errstr, size_t errstr_size)
{
        char kloc[128], kkey[128], kchain[128], kpw[128], what[1200],
                why[768];
        const char *loc = get(cfg, "ssl.keystore.location", kloc, sizeof(kloc));
        const char *key = get(cfg, "ssl.keystore.key", kkey, sizeof(kkey));
        const char *chain = get(cfg, "ssl.keystore.certificate.chain", kchain,
                                sizeof(kchain));
        const char *pw = get(cfg, "ssl.key.password", kpw, sizeof(kpw));
        char *text = NULL, *certs = NULL, *keyblock = NULL, *junk = NULL;
        int rc;

        if ((rc = check_type(cfg, "ssl.keystore.type", errstr, errstr_size)))
                return rc;
        if (loc && (key || chain))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Set either %s or %s with %s, not both",
                                 kloc, kkey, kchain);
        if (!loc && !key && !chain) {
                if (need)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "An https listener needs a keystore: "
                                         "set ssl.keystore.location (a PEM "
                                         "file holding the private key and "
                                         "certificate chain) or "
                                         "ssl.keystore.key and "
                                         "ssl.keystore.certificate.chain "
                                         "(optionally prefixed with %s)",
                                         SL_REST_TLS_PREFIX);
                return 0;
        }
        if (!loc && (!key || !chain))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "%s needs %s too", key ? kkey : kchain,
                                 key ? kchain : kkey);
        if (loc) {
                if ((rc = read_pem_file(kloc, loc, &text, errstr, errstr_size)))
                        return rc;
                rc = sl_pem_split(text, &certs, &keyblock);
                describe(what, sizeof(what), kloc, loc);
        } else {
                rc = sl_pem_split(key, &junk, &keyblock);
                free(junk);
                junk = NULL;
                if (!rc)
                        rc = sl_pem_split(chain, &certs, &junk);
        }
        if (rc) {
                rc = sl_seterr(errstr, errstr_size, rc, "out of memory");
                goto out;
        }
        if (!keyblock) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: no PEM private key found (sluice reads "
                               "PEM keystores: the key and its certificate "
                               "chain as -----BEGIN ... PRIVATE KEY----- and "
                               "-----BEGIN CERTIFICATE----- blocks)",
                               loc ? what : kkey);
                goto out;
        }
        if (!certs) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: no PEM certificate found",
                               loc ? what : kchain);
                goto out;
        }
        if (!loc)
                describe(what, sizeof(what), kkey, NULL);
        if ((rc = sl_tls_check_certs(certs, why, sizeof(why))) < 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: invalid certificate: %s",
                               loc ? what : kchain, why);
                goto out;
        }
        if (sl_pem_key_encrypted(keyblock) && !pw) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: the private key is encrypted: set %s",
                               what, kpw);
                goto out;
        }
        rc = sl_tls_load_key(certs, keyblock, pw, &t->key_pem, why,
                             sizeof(why));
        if (rc) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s: %s%s%s%s",
                               what, why,
                               pw && strstr(why, "decrypt") ? " (check " : "",
                               pw && strstr(why, "decrypt") ? kpw : "",
                               pw && strstr(why, "decrypt") ? ")" : "");
                goto out;
        }
        t->cert_pem = certs;
        certs = NULL;
        rc = 0;
out:
        sl_tls_free_secret(text);
        sl_tls_free_secret(keyblock);
        sl_tls_free_secret(junk);
        free(certs);
        return rc;
}

static int load_truststore(const keyset_t *cfg, sl_rest_tls_t *t,
                           char *errstr, size_t errstr_size)
{
        char kloc[128], kcerts[128], what[1200], why[512];
        const char *loc = get(cfg, "ssl.truststore.location", kloc,
                              sizeof(kloc));
        const char *inl = get(cfg, "ssl.truststore.certificates", kcerts,
                              sizeof(kcerts));
        char *text = NULL, *certs = NULL, *junk = NULL;
        int rc;

        if ((rc = check_type(cfg, "ssl.truststore.type", errstr,
                             errstr_size)))
                return rc;
        if (loc && inl)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Set either %s or %s, not both", kloc,
                                 kcerts);
        if (!loc && !inl)
                return 0;
        if (loc) {
                if ((rc = read_pem_file(kloc, loc, &text, errstr,
                                        errstr_size)))
                        return rc;
                describe(what, sizeof(what), kloc, loc);
        } else {
                describe(what, sizeof(what), kcerts, NULL);
        }
        if (sl_pem_split(loc ? text : inl, &certs, &junk)) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                               "out of memory");
                goto out;
        }
        if (!certs) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: no PEM certificate found (sluice reads "
                               "PEM truststores)",
                               what);
                goto out;
        }
        if ((rc = sl_tls_check_certs(certs, why, sizeof(why))) < 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "%s: invalid certificate: %s", what, why);
                goto out;
        }
        t->trust_pem = certs;
        certs = NULL;
        rc = 0;
out:
        free(text);
        free(certs);
        sl_tls_free_secret(junk);
        return rc;
}

int sl_rest_tls_load(const sl_strmap_t *config, bool server,
                     sl_rest_tls_t *out, char *errstr, size_t errstr_size)
{
        /* Kafka's valuesWithPrefixAllOrNothing for the listener; its
         * RestClient reads the plain keys */
        bool prefixed = server ? has_ssl_key(config, SL_REST_TLS_PREFIX)
                               : !has_ssl_key(config, "");
        keyset_t ks = {config, prefixed ? SL_REST_TLS_PREFIX : ""};
        char kauth[128];
        const char *ca = get(&ks, "ssl.client.auth", kauth, sizeof(kauth));
        bool need_keystore = server;
        int rc;

        memset(out, 0, sizeof(*out));
        if (!ca || !strcasecmp(ca, "none"))
                out->client_auth = SL_CLIENT_AUTH_NONE;
        else if (!strcasecmp(ca, "requested"))
                out->client_auth = SL_CLIENT_AUTH_REQUESTED;
        else if (!strcasecmp(ca, "required"))
                out->client_auth = SL_CLIENT_AUTH_REQUIRED;
        else
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration %s: "
                                 "String must be one of: required, "
                                 "requested, none",
                                 ca, kauth);
        if ((rc = load_keystore(&ks, need_keystore, out, errstr,
                                errstr_size)) ||
            (rc = load_truststore(&ks, out, errstr, errstr_size))) {
                sl_rest_tls_clear(out);
                return rc;
        }
        if (need_keystore && out->client_auth != SL_CLIENT_AUTH_NONE &&
            !out->trust_pem) {
                sl_rest_tls_clear(out);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "%s=%s needs a truststore to verify client "
                                 "certificates: set "
                                 "ssl.truststore.location or "
                                 "ssl.truststore.certificates",
                                 kauth, ca);
        }
        return 0;
}

void sl_rest_tls_clear(sl_rest_tls_t *t)
{
        if (!t)
                return;
        free(t->cert_pem);
        sl_tls_free_secret(t->key_pem);
        free(t->trust_pem);
        memset(t, 0, sizeof(*t));
}

sl_tls_client_t *sl_rest_tls_client(const sl_rest_tls_t *t, char *errstr,
                                    size_t errstr_size)
{
        return sl_tls_client_new(t->trust_pem, t->cert_pem, t->key_pem, NULL,
                                 errstr, errstr_size);
}

void sl_rest_tls_session_setup(void *gnutls_session, sl_client_auth_t mode)
{
        gnutls_session_t s = gnutls_session;

        /* requested: GnuTLS's handshake-time check would also refuse a
         * client that sends no certificate, so sl_rest_tls_session_ok
         * checks a presented one after the handshake instead */
        if (!s || mode != SL_CLIENT_AUTH_REQUIRED)
                return;
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_cert(s, NULL, 0);
}

bool sl_rest_tls_session_ok(void *gnutls_session, sl_client_auth_t mode)
{
        gnutls_session_t s = gnutls_session;
        const gnutls_datum_t *peers;
        unsigned n = 0, status = 0;

        if (mode == SL_CLIENT_AUTH_NONE)
                return true;
        if (!s)
                return false;
        peers = gnutls_certificate_get_peers(s, &n);
        if (!peers || n == 0)
                return mode != SL_CLIENT_AUTH_REQUIRED;
        return gnutls_certificate_verify_peers2(s, &status) == 0 &&
               status == 0;
}
