// The extern "C" boundary: argument checks, exception-to-status translation, thread-local last error.
#include "diffusion_faiss.h"
#include "file_sync.h"
#include "id_mapped_index.h"

#include <faiss/impl/FaissException.h>

#include <new>
#include <string>

struct dfaiss_index {
    std::unique_ptr<dfaiss::IdMappedIndex> impl;
};

namespace {

thread_local std::string last_error;

int32_t fail(dfaiss_status status, const char* message) {
    last_error = message;
    return status;
}

// Runs body, mapping every exception to a status so none crosses into the caller's runtime.
template <typename Body>
int32_t guarded(Body&& body) {
    try {
        body();
        last_error.clear();
        return DFAISS_OK;
    } catch (const dfaiss::invalid_argument_error& e) {
        return fail(DFAISS_INVALID_ARGUMENT, e.what());
    } catch (const dfaiss::unsupported_error& e) {
        return fail(DFAISS_UNSUPPORTED, e.what());
    } catch (const dfaiss::io_error& e) {
        return fail(DFAISS_IO_ERROR, e.what());
    } catch (const faiss::FaissException& e) {
        return fail(DFAISS_FAISS_ERROR, e.what());
    } catch (const std::bad_alloc&) {
        return fail(DFAISS_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(DFAISS_UNKNOWN_ERROR, e.what());
    } catch (...) {
        return fail(DFAISS_UNKNOWN_ERROR, "unknown C++ exception");
    }
}

#define DFAISS_REQUIRE(condition, message) \
    if (!(condition)) return fail(DFAISS_INVALID_ARGUMENT, message)

int32_t wrap(std::unique_ptr<dfaiss::IdMappedIndex> impl, dfaiss_index** out) {
    auto* handle = new dfaiss_index{std::move(impl)};
    *out = handle;
    return DFAISS_OK;
}

} // namespace

extern "C" {

int32_t dfaiss_abi_version(void) { return DFAISS_ABI_VERSION; }

const char* dfaiss_last_error(void) { return last_error.c_str(); }

int32_t dfaiss_index_create(const char* factory, int32_t dim, int32_t metric, dfaiss_index** out) {
    DFAISS_REQUIRE(factory != nullptr && out != nullptr, "factory and out must not be null");
    DFAISS_REQUIRE(metric == DFAISS_METRIC_INNER_PRODUCT || metric == DFAISS_METRIC_L2,
                   "metric must be 0 (inner product) or 1 (L2)");
    *out = nullptr;
    return guarded([&] {
        wrap(dfaiss::IdMappedIndex::create(factory, dim, static_cast<faiss::MetricType>(metric)), out);
    });
}

void dfaiss_index_free(dfaiss_index* index) { delete index; }

int32_t dfaiss_index_dim(const dfaiss_index* index, int32_t* out) {
    DFAISS_REQUIRE(index != nullptr && out != nullptr, "index and out must not be null");
    *out = index->impl->dim();
    return DFAISS_OK;
}

int32_t dfaiss_index_metric(const dfaiss_index* index, int32_t* out) {
    DFAISS_REQUIRE(index != nullptr && out != nullptr, "index and out must not be null");
    *out = static_cast<int32_t>(index->impl->metric());
    return DFAISS_OK;
}

int32_t dfaiss_index_ntotal(const dfaiss_index* index, int64_t* out) {
    DFAISS_REQUIRE(index != nullptr && out != nullptr, "index and out must not be null");
    *out = index->impl->live_count();
    return DFAISS_OK;
}

int32_t dfaiss_index_is_trained(const dfaiss_index* index, int32_t* out) {
    DFAISS_REQUIRE(index != nullptr && out != nullptr, "index and out must not be null");
    *out = index->impl->is_trained() ? 1 : 0;
    return DFAISS_OK;
}

int32_t dfaiss_index_train(dfaiss_index* index, int64_t n, const float* x) {
    DFAISS_REQUIRE(index != nullptr && x != nullptr, "index and x must not be null");
    return guarded([&] { index->impl->train(n, x); });
}

int32_t dfaiss_index_add(dfaiss_index* index, int64_t n, const float* x, const int64_t* ids) {
    DFAISS_REQUIRE(index != nullptr, "index must not be null");
    DFAISS_REQUIRE(n == 0 || (x != nullptr && ids != nullptr), "x and ids must not be null");
    return guarded([&] { index->impl->add(n, x, ids); });
}

int32_t dfaiss_index_search(const dfaiss_index* index, int64_t n, const float* x, int64_t k,
                            float* distances, int64_t* labels) {
    DFAISS_REQUIRE(index != nullptr, "index must not be null");
    DFAISS_REQUIRE(n == 0 || (x != nullptr && distances != nullptr && labels != nullptr),
                   "x, distances and labels must not be null");
    return guarded([&] { index->impl->search(n, x, k, distances, labels); });
}

int32_t dfaiss_index_remove(dfaiss_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    DFAISS_REQUIRE(index != nullptr && removed != nullptr, "index and removed must not be null");
    DFAISS_REQUIRE(n == 0 || ids != nullptr, "ids must not be null");
    *removed = 0;
    return guarded([&] { *removed = index->impl->remove(n, ids); });
}

int32_t dfaiss_index_compact(dfaiss_index* index) {
    DFAISS_REQUIRE(index != nullptr, "index must not be null");
    return guarded([&] { index->impl->compact(); });
}

int32_t dfaiss_index_set_hnsw_ef_search(dfaiss_index* index, int32_t ef_search) {
    DFAISS_REQUIRE(index != nullptr, "index must not be null");
    return guarded([&] { index->impl->set_hnsw_ef_search(ef_search); });
}

int32_t dfaiss_index_set_ivf_nprobe(dfaiss_index* index, int32_t nprobe) {
    DFAISS_REQUIRE(index != nullptr, "index must not be null");
    return guarded([&] { index->impl->set_ivf_nprobe(nprobe); });
}

int32_t dfaiss_index_write(dfaiss_index* index, const char* path) {
    DFAISS_REQUIRE(index != nullptr && path != nullptr, "index and path must not be null");
    return guarded([&] { index->impl->write(path); });
}

int32_t dfaiss_index_read(const char* path, dfaiss_index** out) {
    DFAISS_REQUIRE(path != nullptr && out != nullptr, "path and out must not be null");
    *out = nullptr;
    return guarded([&] { wrap(dfaiss::IdMappedIndex::read(path), out); });
}

int32_t dfaiss_sync_path(const char* path) {
    DFAISS_REQUIRE(path != nullptr, "path must not be null");
    return guarded([&] { dfaiss::sync_path(path); });
}

} // extern "C"
