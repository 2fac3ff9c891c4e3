/* TLS over GnuTLS: client connections for the blocking HTTP client
 * (worker-to-worker REST over https) and PEM checks shared with the REST
 * server's listener setup. */
#ifndef SL_UTIL_TLS_H
#define SL_UTIL_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "sluice/common.h"

typedef struct sl_tls_client sl_tls_client_t;

/* Credentials for client connections. ca_pem: trusted CA certificates
 * (PEM text), NULL = the system trust store. cert_pem + key_pem: a client
 * certificate chain and its private key (PEM; key_password for an
 * encrypted key), NULL for none. NULL with errstr on failure. */
sl_tls_client_t *sl_tls_client_new(const char *ca_pem, const char *cert_pem,
                                   const char *key_pem,
                                   const char *key_password, char *errstr,
                                   size_t errstr_size);
void sl_tls_client_destroy(sl_tls_client_t *c);

typedef struct sl_tls_conn sl_tls_conn_t;

/* TLS handshake over the connected non-blocking socket fd. The peer's
 * chain must lead to a trusted CA and its certificate must name host (a
 * DNS name, sent as SNI, or an IP address). deadline: an sl_now_ms()
 * value, < 0 for none. 0 with *out, or SL_ERR_TIMEOUT / SL_ERR_IO
 * (handshake or verification failed, described in errstr) /
 * SL_ERR_NOMEM. */
int sl_tls_conn_open(const sl_tls_client_t *c, int fd, const char *host,
                     int64_t deadline, sl_tls_conn_t **out, char *errstr,
                     size_t errstr_size);
/* Sends all n bytes: 0, SL_ERR_TIMEOUT or SL_ERR_IO. */
int sl_tls_conn_send(sl_tls_conn_t *t, const void *p, size_t n,
                     int64_t deadline);
/* Reads what is available, waiting until the deadline: bytes read, 0 at
 * the end of the stream, SL_ERR_TIMEOUT or SL_ERR_IO. */
ssize_t sl_tls_conn_recv(sl_tls_conn_t *t, void *p, size_t n,
                         int64_t deadline);
/* GnuTLS's text for the last failed send or receive. */
const char *sl_tls_conn_error(const sl_tls_conn_t *t);
/* Frees t; the caller closes the socket. */
void sl_tls_conn_close(sl_tls_conn_t *t);

/* Splits PEM text: every CERTIFICATE block into *certs and the first
 * private key block (PRIVATE KEY, RSA/EC PRIVATE KEY, ENCRYPTED PRIVATE
 * KEY) into *key; each malloc'd, NULL when there is none. 0 or
 * SL_ERR_NOMEM. */
int sl_pem_split(const char *pem, char **certs, char **key);
/* true if the key block is encrypted (PKCS#8 or OpenSSL's Proc-Type). */
bool sl_pem_key_encrypted(const char *key_pem);

/* Number of X.509 certificates in pem (> 0), or SL_ERR_PARSE with
 * GnuTLS's reason in errstr. */
int sl_tls_check_certs(const char *pem, char *errstr, size_t errstr_size);
/* Loads key_pem (decrypted with password when set) and checks that it
 * belongs to the first certificate of cert_pem. 0 with *plain_key set to
 * the unencrypted key as PEM (malloc'd; free with sl_tls_free_secret), or
 * SL_ERR_PARSE (the key does not load) / SL_ERR_CONFIG (wrong password,
 * key and certificate do not match) with errstr. */
int sl_tls_load_key(const char *cert_pem, const char *key_pem,
                    const char *password, char **plain_key, char *errstr,
                    size_t errstr_size);
/* Zeroes a NUL-terminated secret, then frees it. */
void sl_tls_free_secret(char *s);

#endif
