/* placeholder (issue 6) */
#ifndef SL_CONNECTORS_POSTGRES_PG_COMMON_H
#define SL_CONNECTORS_POSTGRES_PG_COMMON_H
#endif
