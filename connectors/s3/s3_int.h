/* placeholder (issue 6) */
#ifndef SL_CONNECTORS_S3_S3_INT_H
#define SL_CONNECTORS_S3_S3_INT_H
#endif
