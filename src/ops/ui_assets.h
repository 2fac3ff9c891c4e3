/* The dashboard's files (src/ops/ui), embedded into the binary at build
 * time by tools/embed_assets.py. */
#ifndef SL_UI_ASSETS_H
#define SL_UI_ASSETS_H

#include <stddef.h>

typedef struct sl_ui_asset {
        const char *name;          /* base name: "index.html" */
        const char *content_type;
        const unsigned char *data; /* len bytes, then a NUL */
        size_t len;
} sl_ui_asset_t;

extern const sl_ui_asset_t sl_ui_assets[];
extern const size_t sl_ui_nassets;

#endif
