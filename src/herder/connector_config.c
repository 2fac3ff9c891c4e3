#include "herder/connector_config.h"
#include "transform/chain.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter.h"
#include "util/redact.h"
#include "worker/plugins.h"

#define G_COMMON "Common"
#define G_TRANSFORMS "Transforms"
#define G_PREDICATES "Predicates"
#define G_ERRORS "Error Handling"
#define G_TOPIC_CREATION "Topic Creation"
#define G_EOS "Exactly Once Support"

static int check_name(const char *name, const char *value, char *err, size_t errlen) {
        (void)name;
        for (const unsigned char *p = (const unsigned char *)value; p && *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return sl_seterr(err, errlen, SL_ERR_CONFIG,
                                         "Connector name should not contain ISO control characters");
        return 0;
}

static int check_converter(const char *name, const char *value, char *err, size_t errlen) {
        (void)name;
        if (value && *value && !sl_converter_known(value))
                return sl_seterr(err, errlen, SL_ERR_CONFIG, "Class %s could not be found.", value);
        return 0;
}

/* Features of later milestones are refused loudly rather than ignored. */
static int check_unsupported_list(const char *name, const char *value, char *err, size_t errlen) {
        if (value && strspn(value, " ,") != strlen(value))
                return sl_seterr(err, errlen, SL_ERR_CONFIG,
                                 "%s are not supported by this version of sluice yet", name);
        return 0;
}

static int check_empty(const char *name, const char *value, char *err, size_t errlen) {
        if (value && *value)
                return sl_seterr(err, errlen, SL_ERR_CONFIG,
                                 "%s is not supported by this version of sluice yet", name);
        return 0;
}

static const char *const tolerance_values[] = {"none", "all", NULL};
static const char *const reload_values[] = {"none", "restart", NULL};
static const char *const eos_values[] = {"requested", "required", NULL};
static const char *const boundary_values[] = {"poll", "interval", "connector", NULL};

static const sl_config_def_t common_defs[] = {
        {.name = "name", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .importance = SL_CFG_HIGH, .group = G_COMMON, .order = 1, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Connector name", .validator = check_name,
         .documentation = "Globally unique name to use for this connector."},
        {.name = "connector.class", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED,
         .importance = SL_CFG_HIGH, .group = G_COMMON, .order = 2, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Connector class",
         .documentation = "Name or alias of the connector class, e.g. "
                          "org.apache.kafka.connect.file.FileStreamSinkConnector or FileStreamSink."},
        {.name = "tasks.max", .type = SL_CFG_INT, .default_value = "1", .flags = SL_CFG_MIN,
         .min = 1, .importance = SL_CFG_HIGH, .group = G_COMMON, .order = 3,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Tasks max",
         .documentation = "Maximum number of tasks to use for this connector."},
        {.name = "key.converter", .type = SL_CFG_CLASS, .importance = SL_CFG_LOW,
         .group = G_COMMON, .order = 5, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Key converter class", .validator = check_converter,
         .documentation = "Converter for record keys; overrides the worker's."},
        {.name = "value.converter", .type = SL_CFG_CLASS, .importance = SL_CFG_LOW,
         .group = G_COMMON, .order = 6, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Value converter class", .validator = check_converter,
         .documentation = "Converter for record values; overrides the worker's."},
        {.name = "header.converter", .type = SL_CFG_CLASS, .importance = SL_CFG_LOW,
         .group = G_COMMON, .order = 7, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Header converter class",
         .documentation = "Header converter (headers pass through as bytes)."},
        {.name = "config.action.reload", .type = SL_CFG_STRING, .default_value = "restart",
         .valid_values = reload_values, .importance = SL_CFG_LOW, .group = G_COMMON,
         .order = 8, .width = SL_CFG_WIDTH_MEDIUM, .display_name = "Reload Action",
         .documentation = "What to do when config provider values change."},
        {.name = "transforms", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_LOW, .group = G_TRANSFORMS, .order = 1,
         .width = SL_CFG_WIDTH_LONG, .display_name = "Transforms",
         .documentation = "Aliases for the transformations to apply to records."},
        {.name = "predicates", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_LOW, .group = G_PREDICATES, .order = 1,
         .width = SL_CFG_WIDTH_LONG, .display_name = "Predicates",
         .documentation = "Aliases for the predicates used by transformations."},
        {.name = "errors.retry.timeout", .type = SL_CFG_LONG, .default_value = "0",
         .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 1,
         .width = SL_CFG_WIDTH_MEDIUM, .display_name = "Retry Timeout for Errors",
         .documentation = "Maximum time in ms a failed operation is retried."},
        {.name = "errors.retry.delay.max.ms", .type = SL_CFG_LONG, .default_value = "60000",
         .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 2,
         .width = SL_CFG_WIDTH_MEDIUM, .display_name = "Maximum Delay Between Retries for Errors",
         .documentation = "Maximum delay in ms between consecutive retries."},
        {.name = "errors.tolerance", .type = SL_CFG_STRING, .default_value = "none",
         .valid_values = tolerance_values,
         .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 3,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Error Tolerance",
         .documentation = "Behavior for tolerating errors during connector operation. "
                          "'none' is the default value and signals that any error will "
                          "result in an immediate connector task failure; 'all' changes the "
                          "behavior to skip over problematic records."},
        {.name = "errors.log.enable", .type = SL_CFG_BOOLEAN, .default_value = "false",
         .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 4,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Log Errors",
         .documentation = "Log each error with its context."},
        {.name = "errors.log.include.messages", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 5,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Log Error Details",
         .documentation = "Include record details in error logs."},
        {.name = NULL},
};

static const sl_config_def_t sink_defs[] = {
        {.name = "topics", .type = SL_CFG_LIST, .default_value = "", .importance = SL_CFG_HIGH,
         .group = G_COMMON, .order = 4, .width = SL_CFG_WIDTH_LONG, .display_name = "Topics",
         .documentation = "List of topics to consume, separated by commas"},
        {.name = "topics.regex", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_HIGH, .group = G_COMMON, .order = 4, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Topics regex",
         .documentation = "Regular expression giving topics to consume."},
        {.name = "errors.deadletterqueue.topic.name", .type = SL_CFG_STRING,
         .default_value = "", .importance = SL_CFG_MEDIUM,
         .group = G_ERRORS, .order = 6, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Dead Letter Queue Topic Name",
         .documentation = "The name of the topic to be used as the dead letter queue (DLQ) "
                          "for messages that result in an error when processed by this sink "
                          "connector, or its transformations or converters. The topic name is "
                          "blank by default, which means that no messages are to be recorded "
                          "in the DLQ."},
        {.name = "errors.deadletterqueue.topic.replication.factor", .type = SL_CFG_SHORT,
         .default_value = "3", .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 7,
         .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Dead Letter Queue Topic Replication Factor",
         .documentation = "Replication factor used to create the dead letter queue topic "
                          "when it doesn't already exist."},
        {.name = "errors.deadletterqueue.context.headers.enable", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM, .group = G_ERRORS, .order = 8,
         .width = SL_CFG_WIDTH_MEDIUM, .display_name = "Enable Error Context Headers",
         .documentation = "If true, add headers containing error context to the messages "
                          "written to the dead letter queue. To avoid clashing with headers "
                          "from the original record, all error context header keys, all "
                          "error context header keys will start with __connect.errors."},
        {.name = NULL},
};

static const sl_config_def_t source_defs[] = {
        {.name = "topic.creation.groups", .type = SL_CFG_LIST, .default_value = "",
         .validator = check_unsupported_list, .importance = SL_CFG_LOW,
         .group = G_TOPIC_CREATION, .order = 1, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Topic Creation Groups",
         .documentation = "Groups of configurations for topics created by source connectors"},
        {.name = "exactly.once.support", .type = SL_CFG_STRING, .default_value = "requested",
         .valid_values = eos_values, .importance = SL_CFG_MEDIUM, .group = G_EOS, .order = 1,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Exactly once support",
         .documentation = "Whether exactly-once delivery is required (the connector is "
                          "refused unless the worker has exactly.once.source.support=enabled "
                          "and the connector supports it) or only requested."},
        {.name = "transaction.boundary", .type = SL_CFG_STRING, .default_value = "poll",
         .valid_values = boundary_values, .importance = SL_CFG_MEDIUM, .group = G_EOS,
         .order = 2, .width = SL_CFG_WIDTH_SHORT, .display_name = "Transaction Boundary",
         .documentation = "Exactly-once mode: poll commits a transaction per poll batch, "
                          "interval every transaction.boundary.interval.ms; connector "
                          "(connector-defined) is not supported by any built-in connector."},
        {.name = "transaction.boundary.interval.ms", .type = SL_CFG_LONG, .flags = SL_CFG_MIN,
         .min = 0, .importance = SL_CFG_LOW, .group = G_EOS, .order = 3,
         .width = SL_CFG_WIDTH_SHORT, .display_name = "Transaction boundary interval",
         .documentation = "With transaction.boundary=interval: how often to commit "
                          "(default: the worker's offset.flush.interval.ms)."},
        {.name = "offsets.storage.topic", .type = SL_CFG_STRING, .validator = check_empty,
         .importance = SL_CFG_LOW, .group = G_EOS, .order = 4, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Offsets topic",
         .documentation = "Per-connector offsets topic (distributed mode only)."},
        {.name = NULL},
};

void sl_connector_defs(const sl_connector_plugin_t *plugin, sl_configdef_set_t *set) {
        memset(set, 0, sizeof(*set));
        sl_configdef_set_add(set, common_defs);
        sl_configdef_set_add(set, plugin && plugin->type == SL_CONNECTOR_SINK ? sink_defs
                                                                               : source_defs);
        if (plugin && plugin->config)
                sl_configdef_set_add(set, plugin->config);
}

/* A sink must not consume its own dead letter queue: every bad record
 * would come back as another bad record. */
static void validate_dlq_topic(const sl_strmap_t *cfg, const char *topics, const char *regex,
                               sl_config_errors_t *errs) {
        const char *dlq = sl_strmap_get(cfg, "errors.deadletterqueue.topic.name");
        char *d, **items = NULL;
        size_t len;
        int n;

        if (!dlq || !*dlq)
                return;
        d = strdup(dlq);
        if (!d)
                return;
        /* Kafka trims the name */
        while (*d && isspace((unsigned char)d[strlen(d) - 1]))
                d[strlen(d) - 1] = '\0';
        len = strspn(d, " \t");
        memmove(d, d + len, strlen(d + len) + 1);
        if (topics) {
                n = sl_config_list(topics, &items);
                for (int i = 0; i < n; i++)
                        if (!strcmp(items[i], d)) {
                                sl_config_error_add(
                                        errs, "errors.deadletterqueue.topic.name",
                                        "The DLQ topic '%s' may not be included in the list of "
                                        "topics ('topics=%s') consumed by the connector",
                                        d, topics);
                                break;
                        }
                sl_config_list_free(items, n);
        }
        if (regex) {
                regex_t re;
                char *anchored = NULL;
                if (asprintf(&anchored, "^(%s)$", regex) >= 0 &&
                    regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
                        if (regexec(&re, d, 0, NULL, 0) == 0)
                                sl_config_error_add(
                                        errs, "errors.deadletterqueue.topic.name",
                                        "The DLQ topic '%s' may not be included in the regex "
                                        "matching the topics ('topics.regex=%s') consumed by "
                                        "the connector",
                                        d, regex);
                        regfree(&re);
                }
                free(anchored);
        }
        free(d);
}

static void validate_sink_topics(const sl_strmap_t *cfg, sl_config_errors_t *errs) {
        const char *topics = sl_strmap_get(cfg, "topics");
        const char *regex = sl_strmap_get(cfg, "topics.regex");
        bool has_topics = topics && strspn(topics, " ,") != strlen(topics);
        bool has_regex = regex && *regex;

        if (has_topics && has_regex) {
                const char *m = "topics and topics.regex are mutually exclusive options, but "
                                "both are set.";
                sl_config_error_add(errs, "topics", "%s", m);
                sl_config_error_add(errs, "topics.regex", "%s", m);
        } else if (!has_topics && !has_regex) {
                const char *m = "Must configure one of topics or topics.regex";
                sl_config_error_add(errs, "topics", "%s", m);
                sl_config_error_add(errs, "topics.regex", "%s", m);
        }
        validate_dlq_topic(cfg, has_topics ? topics : NULL, has_regex ? regex : NULL, errs);
}

static bool list_set(const char *value) {
        return value && strspn(value, " ,") != strlen(value);
}

/* Each transform and predicate checks its own keys (errors under
 * transforms.<alias>.<key>). */
static void validate_transforms(const sl_strmap_t *cfg, sl_config_errors_t *errs) {
        const char *t = sl_strmap_get(cfg, "transforms"), *p = sl_strmap_get(cfg, "predicates");

        if (!list_set(t) && !list_set(p))
                return;
        sl_xchain_destroy(sl_xchain_new(cfg, errs));
}

/* KIP-618 preflight checks, with Kafka's wording. */
static void validate_exactly_once(sl_worker_t *w, sl_validation_t *v) {
        const char *boundary = sl_config_str(v->resolved, "transaction.boundary");
        bool eos = sl_worker_exactly_once(w);

        if (!strcasecmp(sl_config_str(v->resolved, "exactly.once.support"), "required")) {
                if (!eos)
                        sl_config_error_add(v->errs, "exactly.once.support",
                                            "This worker does not have exactly-once source "
                                            "support enabled (exactly.once.source.support=enabled "
                                            "on every worker of a distributed cluster); "
                                            "standalone workers never have it");
                else if (!v->plugin->exactly_once_support)
                        sl_config_error_add(v->errs, "exactly.once.support",
                                            "The connector does not implement the API required "
                                            "for preflight validation of exactly-once source "
                                            "support. Please consult the documentation for the "
                                            "connector to determine whether it supports "
                                            "exactly-once semantics, and then consider "
                                            "reconfiguring the connector to use the value "
                                            "'requested' for this property");
                else if (v->plugin->exactly_once_support(v->resolved) != SL_EOS_SUPPORTED)
                        sl_config_error_add(v->errs, "exactly.once.support",
                                            "The connector does not support exactly-once "
                                            "semantics with the provided configuration");
        }
        if (eos && boundary && !strcasecmp(boundary, "connector"))
                sl_config_error_add(v->errs, "transaction.boundary",
                                    "The connector does not support connector-defined "
                                    "transaction boundaries with the given configuration");
}

/* PASSWORD values are "[hidden]" in every log line and message from now
 * on, as Kafka's Password.toString() keeps them out of its logs. */
static void mask_passwords(const sl_configdef_set_t *defs, const sl_strmap_t *cfg) {
        for (size_t i = 0; i < sl_strmap_count(cfg); i++) {
                const sl_config_def_t *d = sl_configdef_find(defs, sl_strmap_key_at(cfg, i));
                const char *val = sl_strmap_value_at(cfg, i);
                if (d && d->type == SL_CFG_PASSWORD && val)
                        sl_redact_add(val, strlen(val), "[hidden]");
        }
}

int sl_connector_validate(sl_worker_t *w, const sl_strmap_t *raw, sl_validation_t *v,
                          sl_reply_t *r) {
        const char *cls = sl_strmap_get(raw, "connector.class");
        sl_strmap_t *resolved;
        char err[1024];

        memset(v, 0, sizeof(*v));
        if (!cls || !*cls) {
                sl_json_t *j = sl_json_from_strmap(raw);
                char *s = sl_json_to_string(j);
                sl_reply_error(r, 400, "Connector config %s contains no connector type", s);
                free(s);
                sl_json_free(j);
                return -1;
        }
        v->plugin = sl_plugins_find(sl_worker_plugins(w), cls);
        if (!v->plugin) {
                char *names = sl_plugins_names(sl_worker_plugins(w));
                sl_reply_error(r, 500,
                               "Failed to find any class that implements Connector and which "
                               "name matches %s, available connectors are: %s",
                               cls, names);
                free(names);
                return -1;
        }
        sl_connector_defs(v->plugin, &v->defs);
        v->errs = sl_config_errors_new();
        resolved = sl_strmap_new();
        if (sl_providers_resolve(sl_worker_providers(w), raw, resolved, err, sizeof(err)) != 0) {
                /* validate the raw values so every other error still shows */
                sl_config_error_add(v->errs, "config.providers", "%s", err);
                sl_strmap_destroy(resolved);
                resolved = sl_strmap_dup(raw);
        }
        mask_passwords(&v->defs, resolved);
        sl_configdef_validate(&v->defs, resolved, v->errs);
        v->resolved = sl_configdef_apply_defaults(&v->defs, resolved);
        sl_strmap_destroy(resolved);
        validate_transforms(v->resolved, v->errs);
        if (v->plugin->type == SL_CONNECTOR_SINK)
                validate_sink_topics(v->resolved, v->errs);
        else
                validate_exactly_once(w, v);
        if (v->plugin->validate)
                v->plugin->validate(v->resolved, v->errs);
        return 0;
}

void sl_validation_clear(sl_validation_t *v) {
        sl_config_errors_destroy(v->errs);
        sl_strmap_destroy(v->resolved);
        memset(v, 0, sizeof(*v));
}

int sl_validation_reply_errors(const sl_validation_t *v, sl_reply_t *r) {
        size_t n = sl_config_errors_count(v->errs);
        sl_buf_t b = SL_BUF_INIT;

        if (n == 0)
                return 0;
        for (size_t k = 0; k < sl_config_errors_nkeys(v->errs); k++) {
                const char *key = sl_config_errors_key(v->errs, k);
                for (size_t i = 0; i < sl_config_errors_key_count(v->errs, key); i++)
                        sl_buf_printf(&b, "%s\n", sl_config_errors_key_at(v->errs, key, i));
        }
        sl_reply_error(r, 400,
                       "Connector configuration is invalid and contains the following %zu "
                       "error(s):\n%sYou can also find the above list of errors at the endpoint "
                       "`/connector-plugins/{connectorType}/config/validate`",
                       n, b.data);
        sl_buf_free(&b);
        return (int)n;
}
