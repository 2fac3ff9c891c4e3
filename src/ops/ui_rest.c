/* GET /ui: the dashboard, a static page whose script reads the REST API
 * (GET /, /connectors?expand=..., /metrics/throughput) from the browser.
 * Its files are compiled in (ui_assets.h), so the worker needs nothing on
 * disk to serve it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ui_assets.h"

#define UI_PREFIX "/ui"

static const char *const ui_prefixes[] = {"ui", NULL};

/* The page loads only its own script and style and talks only to this
 * worker; with no inline script allowed, a name that slipped into markup
 * still could not run. data: is for the empty favicon (no request for a
 * /favicon.ico the REST API does not have). */
static const char *const asset_headers[] = {
        "Cache-Control", "no-cache",
        "X-Content-Type-Options", "nosniff",
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
        "Referrer-Policy", "no-referrer",
        NULL};

static const char *const error_headers[] = {
        "Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff", NULL};
static const char *const not_allowed_headers[] = {
        "Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff",
        "Allow", "GET, HEAD", NULL};

static const sl_ui_asset_t *ui_asset_find(const char *name)
{
        for (size_t i = 0; i < sl_ui_nassets; i++) {
                if (strcmp(sl_ui_assets[i].name, name) == 0)
                        return &sl_ui_assets[i];
        }
        return NULL;
}

/* The asset a path names: /ui, /ui/ and /ui/index.html are the page,
 * /ui/<file> one of the others; NULL for anything else. */
static const sl_ui_asset_t *ui_asset_for(const char *path)
{
        while (path[0] == '/' && path[1] == '/')
                path++;
        if (strncmp(path, UI_PREFIX, strlen(UI_PREFIX)) != 0)
                return NULL;
        path += strlen(UI_PREFIX);
        if (!*path || strcmp(path, "/") == 0)
                return ui_asset_find("index.html");
        if (*path != '/' || strchr(path + 1, '/'))
                return NULL;
        return ui_asset_find(path + 1);
}

static void ui_error(sl_rest_response_t *resp, int status, const char *what,
                     const char *detail)
{
        sl_rest_response_error(resp, status, "%s%.400s", what, detail);
        resp->headers = status == 405 ? not_allowed_headers : error_headers;
}

static void ui_handle(void *opaque, const sl_rest_request_t *req, sl_rest_response_t *resp)
{
        const sl_ui_asset_t *a = ui_asset_for(req->path);

        (void)opaque;
        if (!a) {
                ui_error(resp, 404, "No dashboard file at ", req->path);
                return;
        }
        if (strcmp(req->method, "GET") != 0) {
                ui_error(resp, 405, "HTTP method not allowed on the dashboard "
                                    "(GET only): ", req->method);
                return;
        }
        resp->body = malloc(a->len + 1);
        if (!resp->body) {
                resp->status = 500;
                return;
        }
        memcpy(resp->body, a->data, a->len + 1);
        resp->status = 200;
        resp->content_type = a->content_type;
        resp->headers = asset_headers;
}

int sl_ui_rest_attach(sl_rest_t *rest, char *errstr, size_t errstr_size)
{
        int rc = sl_rest_add_handler(rest, ui_prefixes, ui_handle, NULL);

        if (rc)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Cannot serve the dashboard at /ui: %s",
                                 strerror(-rc));
        return 0;
}
