/* Java .properties files and config providers (${env:VAR}, ${file:path:key}). */
#ifndef SL_PROPS_H
#define SL_PROPS_H

#include "sluice/common.h"

/* Parse java.util.Properties text into out (later keys win): '#'/'!'
 * comments, '=' / ':' / whitespace separators, backslash line
 * continuation, escapes \t \n \r \f \uXXXX (encoded as UTF-8) and \x = x.
 * Returns 0, or SL_ERR_PARSE with "line N: ..." in errstr. */
int sl_props_parse(const char *text, size_t len, sl_strmap_t *out,
                   char *errstr, size_t errstr_size);
/* Read and parse a file; errors name the path. */
int sl_props_load(const char *path, sl_strmap_t *out, char *errstr,
                  size_t errstr_size);

/* Config providers, as Kafka's ConfigTransformer: a value may hold any
 * number of ${provider:key} or ${provider:path:key} placeholders.
 *  - env:  ${env:NAME} -> getenv(NAME)
 *  - file: ${file:/path/to/x.properties:key} -> that key of that file
 *  - dir:  ${dir:/path/to/dir:name} -> the content of the file dir/name
 * Which providers are enabled comes from `config.providers` in the worker
 * config (names listed there, classes FileConfigProvider /
 * EnvVarConfigProvider / DirectoryConfigProvider or the short names); when
 * the worker config has no config.providers, env and file are both enabled.
 * Restrictions, as Kafka's, from config.providers.<name>.param.*:
 *  - allowed.paths (file, dir; KIP-993): comma-separated absolute paths;
 *    a file outside them (after resolving "..", and symbolic links) is an
 *    error. Unset: every path.
 *  - allowlist.pattern (env; KIP-887): a Java regex the whole variable
 *    name must match; another name is an error. Unset: every variable.
 * A placeholder naming a provider that is not enabled is left unchanged
 * (as Kafka does). A missing variable, file or key is an error naming it.
 * Every value substituted is registered with util/redact.h, so logs and
 * error messages show its placeholder instead. */
typedef struct sl_providers sl_providers_t;

sl_providers_t *sl_providers_new(const sl_strmap_t *worker_config,
                                 char *errstr, size_t errstr_size);
void sl_providers_destroy(sl_providers_t *p);
/* out receives every entry of in with placeholders resolved. */
int sl_providers_resolve(const sl_providers_t *p, const sl_strmap_t *in,
                         sl_strmap_t *out, char *errstr, size_t errstr_size);
/* true if value contains a ${...:...} placeholder */
bool sl_providers_has_placeholder(const char *value);

#endif
