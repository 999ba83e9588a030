#ifndef AKE_CLMDB_SHIM_H
#define AKE_CLMDB_SHIM_H
#include <lmdb.h>
#endif
