/* placeholder (issue 6) */
#ifndef SL_CONNECTORS_POSTGRES_PGOUTPUT_H
#define SL_CONNECTORS_POSTGRES_PGOUTPUT_H
#endif
