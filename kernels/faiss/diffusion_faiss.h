/*
 * C API of libdiffusion_faiss.so: a small extern "C" surface over Debian's static libfaiss.a,
 * called from C# (kernels/Diffusion.Kernels/Faiss/FaissNative.cs).
 *
 * Every function returns a dfaiss_status; on anything but DFAISS_OK the calling thread's last
 * error message (dfaiss_last_error) says why. No C++ exception ever crosses this boundary.
 * Vectors carry caller-chosen 64-bit ids (the index is an IndexIDMap2 over the factory's index).
 * Thread safety: concurrent searches on one index are safe; add, remove, train, set_* and write
 * must be exclusive with every other call on that index (the managed wrapper guards this).
 */
#ifndef DIFFUSION_FAISS_H
#define DIFFUSION_FAISS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DFAISS_API __attribute__((visibility("default")))

/* Bumped whenever a signature below changes, so the managed side can refuse a stale build. */
#define DFAISS_ABI_VERSION 1

typedef enum dfaiss_status {
    DFAISS_OK = 0,
    DFAISS_INVALID_ARGUMENT = 1, /* null pointer, bad size, bad metric, duplicate id ... */
    DFAISS_FAISS_ERROR = 2,      /* FAISS threw (bad factory string, untrained index ...) */
    DFAISS_OUT_OF_MEMORY = 3,
    DFAISS_IO_ERROR = 4,         /* reading, writing or syncing a file failed */
    DFAISS_UNSUPPORTED = 5,      /* the operation does not apply to this kind of index */
    DFAISS_UNKNOWN_ERROR = 6
} dfaiss_status;

/* Same numbers as faiss::MetricType. */
typedef enum dfaiss_metric {
    DFAISS_METRIC_INNER_PRODUCT = 0,
    DFAISS_METRIC_L2 = 1
} dfaiss_metric;

typedef struct dfaiss_index dfaiss_index;

DFAISS_API int32_t dfaiss_abi_version(void);

/* Message of the last failed call on this thread ("" if none). Valid until the next call on this thread. */
DFAISS_API const char* dfaiss_last_error(void);

/* factory: a faiss::index_factory string such as "Flat", "HNSW32", "IVF256,Flat" (no "IDMap" prefix:
 * the id map is added here). */
DFAISS_API int32_t dfaiss_index_create(const char* factory, int32_t dim, int32_t metric, dfaiss_index** out);
DFAISS_API void dfaiss_index_free(dfaiss_index* index);

DFAISS_API int32_t dfaiss_index_dim(const dfaiss_index* index, int32_t* out);
DFAISS_API int32_t dfaiss_index_metric(const dfaiss_index* index, int32_t* out);
/* Live vectors (removed ones excluded). */
DFAISS_API int32_t dfaiss_index_ntotal(const dfaiss_index* index, int64_t* out);
DFAISS_API int32_t dfaiss_index_is_trained(const dfaiss_index* index, int32_t* out);

DFAISS_API int32_t dfaiss_index_train(dfaiss_index* index, int64_t n, const float* x);
/* Ids must be new: an id already in the index, or repeated within the call, is DFAISS_INVALID_ARGUMENT
 * and nothing is added. */
DFAISS_API int32_t dfaiss_index_add(dfaiss_index* index, int64_t n, const float* x, const int64_t* ids);
/* distances and labels hold n*k entries, row-major per query; missing neighbours get label -1. */
DFAISS_API int32_t dfaiss_index_search(const dfaiss_index* index, int64_t n, const float* x, int64_t k,
                                       float* distances, int64_t* labels);
/* Ids not present are ignored; *removed gets how many were removed. */
DFAISS_API int32_t dfaiss_index_remove(dfaiss_index* index, int64_t n, const int64_t* ids, int64_t* removed);
/* Drops removed vectors for good (HNSW/IVF keep them as tombstones until then). */
DFAISS_API int32_t dfaiss_index_compact(dfaiss_index* index);

DFAISS_API int32_t dfaiss_index_set_hnsw_ef_search(dfaiss_index* index, int32_t ef_search);
DFAISS_API int32_t dfaiss_index_set_ivf_nprobe(dfaiss_index* index, int32_t nprobe);

/* Writes the index (compacting first) and fsyncs the file. Not atomic: write to a temporary path and
 * rename (the managed side does). */
DFAISS_API int32_t dfaiss_index_write(dfaiss_index* index, const char* path);
DFAISS_API int32_t dfaiss_index_read(const char* path, dfaiss_index** out);

/* fsync a file or a directory (after a rename, so the new name survives a crash). */
DFAISS_API int32_t dfaiss_sync_path(const char* path);

#ifdef __cplusplus
}
#endif

#endif
