/* The worker configuration table (standalone keys for now). */
#ifndef SL_WORKER_CONFIG_H
#define SL_WORKER_CONFIG_H

#include "sluice/plugin.h"

extern const sl_config_def_t sl_worker_config_defs[];

#endif
