/*
 * The herder owns connectors and tasks: their configs, target states,
 * lifecycle and status. The REST layer turns each HTTP request into one
 * call here; every call fills an sl_reply_t with the HTTP status and either
 * a JSON body or an error message (rendered by REST as
 * {"error_code":status,"message":msg}).
 */
#ifndef SL_HERDER_H
#define SL_HERDER_H

#include "sluice/common.h"

typedef struct sl_herder sl_herder_t;
struct sl_worker;

/* A standalone herder: connector configs live in memory. */
sl_herder_t *sl_herder_new(struct sl_worker *w);
/* Stops every connector (tasks deliver and commit) and frees the herder. */
void sl_herder_destroy(sl_herder_t *h);
/* /health reports healthy from now on. */
void sl_herder_set_ready(sl_herder_t *h);
/* Standalone: calls task_configs again for running connectors whose
 * plugin asks for it (the plugin's reconfigure_interval_ms) once their interval is
 * due, restarting tasks whose configs changed. Call it about every
 * second. */
void sl_herder_refresh(sl_herder_t *h);
/* Creates a connector from a file given on the command line: .properties,
 * or .json holding either a POST /connectors body or a flat config map.
 * Returns 0 or an error with errstr. */
int sl_herder_create_from_file(sl_herder_t *h, const char *path, char *errstr,
                               size_t errstr_size);

typedef struct sl_reply {
        int status;        /* HTTP status */
        sl_json_t *body;   /* success body, or NULL for none (204/202) */
        char *message;     /* error message when status >= 400 (malloc'd) */
        char *location;    /* Location header for 201 (malloc'd) */
        /* in: the request came from another worker (?forward=false) and
         * must not be forwarded again */
        bool forwarded;
        /* in: the request's Authorization header (not owned), sent on
         * with a forwarded request; NULL for none */
        const char *authorization;
} sl_reply_t;

void sl_reply_clear(sl_reply_t *r); /* frees body/message/location */
/* Set an error reply; returns r->status. */
int sl_reply_error(sl_reply_t *r, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* GET / */
void sl_herder_server_info(sl_herder_t *h, sl_reply_t *r);
/* GET /health */
void sl_herder_health(sl_herder_t *h, sl_reply_t *r);

/* GET /connectors[?expand=status][&expand=info] */
void sl_herder_connectors(sl_herder_t *h, bool expand_status, bool expand_info,
                          sl_reply_t *r);
/* POST /connectors, body as parsed ({"name","config",["initial_state"]}) */
void sl_herder_create(sl_herder_t *h, const sl_json_t *body, sl_reply_t *r);
/* GET /connectors/{name} */
void sl_herder_info(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET /connectors/{name}/config */
void sl_herder_config(sl_herder_t *h, const char *name, sl_reply_t *r);
/* PUT /connectors/{name}/config (flat string map) */
void sl_herder_put_config(sl_herder_t *h, const char *name,
                          const sl_json_t *body, sl_reply_t *r);
/* PATCH /connectors/{name}/config (partial map; JSON null removes a key) */
void sl_herder_patch_config(sl_herder_t *h, const char *name,
                            const sl_json_t *body, sl_reply_t *r);
/* GET /connectors/{name}/status */
void sl_herder_status(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET /connectors/{name}/tasks */
void sl_herder_tasks(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET /connectors/{name}/tasks-config (deprecated alias) */
void sl_herder_tasks_config(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET /connectors/{name}/tasks/{id}/status */
void sl_herder_task_status(sl_herder_t *h, const char *name, int task,
                           sl_reply_t *r);
/* POST /connectors/{name}/restart?includeTasks=&onlyFailed= */
void sl_herder_restart(sl_herder_t *h, const char *name, bool include_tasks,
                       bool only_failed, sl_reply_t *r);
/* POST /connectors/{name}/tasks/{id}/restart */
void sl_herder_task_restart(sl_herder_t *h, const char *name, int task,
                            sl_reply_t *r);
/* PUT /connectors/{name}/pause | resume | stop */
void sl_herder_pause(sl_herder_t *h, const char *name, sl_reply_t *r);
void sl_herder_resume(sl_herder_t *h, const char *name, sl_reply_t *r);
void sl_herder_stop(sl_herder_t *h, const char *name, sl_reply_t *r);
/* DELETE /connectors/{name} */
void sl_herder_delete(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET /connectors/{name}/topics */
void sl_herder_topics(sl_herder_t *h, const char *name, sl_reply_t *r);
/* PUT /connectors/{name}/topics/reset */
void sl_herder_topics_reset(sl_herder_t *h, const char *name, sl_reply_t *r);
/* GET | PATCH | DELETE /connectors/{name}/offsets */
void sl_herder_offsets(sl_herder_t *h, const char *name, sl_reply_t *r);
void sl_herder_alter_offsets(sl_herder_t *h, const char *name,
                             const sl_json_t *body, sl_reply_t *r);
void sl_herder_reset_offsets(sl_herder_t *h, const char *name, sl_reply_t *r);

/* POST /connectors/{name}/tasks (distributed, internal: the worker running
 * the Connector instance hands its task configs to the leader) */
void sl_herder_put_task_configs(sl_herder_t *h, const char *name, const sl_json_t *body,
                                sl_reply_t *r);

/* Distributed mode: the herder's connectors mirror the config topic and
 * its tasks run wherever the group's leader assigns them. Joins the
 * cluster; 0 or an error with errstr. */
int sl_herder_start_distributed(sl_herder_t *h, char *errstr, size_t errstr_size);
/* true once an assignment names this worker a member (startup is done) */
bool sl_herder_distributed_joined(sl_herder_t *h);
/* Hands this worker's connectors and tasks over and leaves the group. */
void sl_herder_stop_distributed(sl_herder_t *h);

/* PUT /admin/loggers/{ns}?scope=cluster (KIP-976): writes
 * logger-cluster-<ns> {"level":level} to the config topic; every worker
 * applies it when it reads the record. 0, SL_ERR_STATE in standalone mode
 * (the caller applies the level itself), or an error with errstr. */
int sl_herder_put_cluster_logger(sl_herder_t *h, const char *ns, const char *level,
                                 char *errstr, size_t errstr_size);

/* GET /connector-plugins[?connectorsOnly=false] */
void sl_herder_plugins(sl_herder_t *h, bool connectors_only, sl_reply_t *r);
/* GET /connector-plugins/{plugin}/config */
void sl_herder_plugin_config(sl_herder_t *h, const char *plugin, sl_reply_t *r);
/* PUT /connector-plugins/{plugin}/config/validate (flat string map) */
void sl_herder_validate(sl_herder_t *h, const char *plugin,
                        const sl_json_t *body, sl_reply_t *r);

#endif
