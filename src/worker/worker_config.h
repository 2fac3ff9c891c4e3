/* The worker configuration table common keys plus each mode's own. */
#ifndef SL_WORKER_CONFIG_H
#define SL_WORKER_CONFIG_H

#include "sluice/plugin.h"

extern const sl_config_def_t sl_worker_config_defs[];
extern const sl_config_def_t sl_worker_standalone_defs[];
extern const sl_config_def_t sl_worker_distributed_defs[];

#endif
