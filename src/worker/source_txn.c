/* placeholder */
typedef int sl_placeholder_source_txn_t;
