/* HTTP basic authentication of REST requests, as Kafka Connect's
 * BasicAuthSecurityRestExtension with its PropertyFileLoginModule: the
 * KafkaConnect entry of a JAAS file names a properties file of
 * user=password lines. */
#ifndef SL_REST_AUTH_H
#define SL_REST_AUTH_H

#include "sluice/common.h"

#define SL_REST_AUTH_EXTENSION \
        "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
#define SL_REST_AUTH_LOGIN_MODULE \
        "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
/* Worker key naming the JAAS file (a JVM system property in Kafka). */
#define SL_REST_AUTH_JAAS_KEY "java.security.auth.login.config"
#define SL_REST_AUTH_CHALLENGE "Basic realm=\"Kafka Connect\""
#define SL_REST_AUTH_DENIED "User cannot access the resource."

typedef struct sl_rest_auth sl_rest_auth_t;

/* From a worker config (rest.extension.classes and
 * java.security.auth.login.config): 0 with *out NULL when no extension is
 * listed, 0 with *out set, or SL_ERR_CONFIG with errstr naming the key or
 * file at fault (unknown extension class, missing, unreadable or malformed
 * JAAS or credentials file, no users). */
int sl_rest_auth_new(const sl_strmap_t *config, sl_rest_auth_t **out,
                     char *errstr, size_t errstr_size);
void sl_rest_auth_destroy(sl_rest_auth_t *a);
/* Does the Authorization header value (NULL: none) carry a known user and
 * its password? */
bool sl_rest_auth_check(const sl_rest_auth_t *a, const char *authorization);
/* Authorization header value for requests the worker makes on its own
 * (task configs sent to the leader): the first user of the credentials
 * file. Never log it. */
const char *sl_rest_auth_own_header(const sl_rest_auth_t *a);
size_t sl_rest_auth_user_count(const sl_rest_auth_t *a);

/* The pieces, for tests. */

/* The file option of the KafkaConnect entry of JAAS config text, which
 * must hold one PropertyFileLoginModule. 0 with *path malloc'd, or
 * SL_ERR_PARSE with errstr. */
int sl_jaas_credentials_file(const char *text, char **path, char *errstr,
                             size_t errstr_size);
/* "Basic <base64 of user:password>" (scheme case-insensitive): 0 with
 * *user and *password malloc'd, or SL_ERR_PARSE (other scheme, bad
 * base64, no ':' or a NUL inside). */
int sl_basic_auth_decode(const char *header, char **user, char **password);
/* Equality whose time depends only on secret_len, not on where the
 * contents differ. */
bool sl_ct_equal(const void *given, size_t given_len, const void *secret,
                 size_t secret_len);

#endif
