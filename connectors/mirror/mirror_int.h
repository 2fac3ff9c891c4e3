/* placeholder (issue 6) */
#ifndef SL_CONNECTORS_MIRROR_MIRROR_INT_H
#define SL_CONNECTORS_MIRROR_MIRROR_INT_H
#endif
