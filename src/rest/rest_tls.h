/* TLS material of the REST listener and of the worker's REST client, from
 * Kafka Connect's ssl.* worker keys. As in Kafka Connect the listener reads
 * the listeners.https.ssl.* keys when any is set (all or nothing), else the
 * plain ssl.* keys; the client reads the plain keys, or the prefixed ones
 * when no plain ssl.* key is set. Only PEM keystores and truststores are
 * read. */
#ifndef SL_REST_TLS_H
#define SL_REST_TLS_H

#include "sluice/common.h"
#include "util/tls.h"

#define SL_REST_TLS_PREFIX "listeners.https."

typedef enum sl_client_auth {
        SL_CLIENT_AUTH_NONE = 0,
        SL_CLIENT_AUTH_REQUESTED,
        SL_CLIENT_AUTH_REQUIRED,
} sl_client_auth_t;

typedef struct sl_rest_tls {
        char *cert_pem;  /* certificate chain, or NULL (no keystore) */
        char *key_pem;   /* its private key, unencrypted */
        char *trust_pem; /* trusted CAs, or NULL (none configured) */
        sl_client_auth_t client_auth;
} sl_rest_tls_t;

/* Reads and checks the keystore (ssl.keystore.type, .location or .key +
 * .certificate.chain, ssl.key.password), the truststore (ssl.truststore.*)
 * and ssl.client.auth. server: for an https listener, which needs a
 * keystore (and a truststore for client certificates); else for the
 * client. 0, or SL_ERR_CONFIG with errstr naming the key (and file) at
 * fault. */
int sl_rest_tls_load(const sl_strmap_t *config, bool server,
                     sl_rest_tls_t *out, char *errstr, size_t errstr_size);
/* Frees (and zeroes the key of) what t holds. */
void sl_rest_tls_clear(sl_rest_tls_t *t);

/* A client for other workers' https listeners: t's truststore (system CAs
 * when none) and its keystore as client certificate. NULL with errstr. */
sl_tls_client_t *sl_rest_tls_client(const sl_rest_tls_t *t, char *errstr,
                                    size_t errstr_size);

/* On an MHD connection's GnuTLS session (void * to keep GnuTLS out of
 * callers' headers): ask for a client certificate as mode says and have
 * the handshake verify it against the truststore (required: a missing or
 * untrusted certificate fails the handshake, as in Kafka Connect). */
void sl_rest_tls_session_setup(void *gnutls_session, sl_client_auth_t mode);
/* After the handshake: does the session meet mode? (a certificate
 * presented must verify; required: one must be presented) */
bool sl_rest_tls_session_ok(void *gnutls_session, sl_client_auth_t mode);

#endif
