// The index behind one dfaiss_index handle: an IndexIDMap2 over the factory's index, plus tombstones
// for index kinds that cannot delete in place (HNSW, IVF). Plain C++ that may throw; the C boundary
// (faiss_shim.cpp) turns exceptions into status codes.
#pragma once

#include <faiss/IndexIDMap.h>
#include <faiss/MetricType.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dfaiss {

// Bad caller input (sizes, duplicate ids, wrong file kind).
struct invalid_argument_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// The operation does not apply to this kind of index (efSearch on a Flat index ...).
struct unsupported_error : std::logic_error {
    using std::logic_error::logic_error;
};

// A file could not be opened, written or synced.
struct io_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// How removal works for the wrapped index kind.
enum class RemovalMode {
    InPlace,   // IndexFlatCodes family: FAISS deletes and shifts, IndexIDMap2 follows.
    Tombstone, // HNSW / IVF: positions are marked dead, filtered at search, dropped by compact().
    None,      // anything else: remove is unsupported.
};

class IdMappedIndex {
public:
    static std::unique_ptr<IdMappedIndex> create(const std::string& factory, int dim, faiss::MetricType metric);
    static std::unique_ptr<IdMappedIndex> read(const std::string& path);

    int dim() const { return static_cast<int>(map_->d); }
    faiss::MetricType metric() const { return map_->metric_type; }
    bool is_trained() const { return map_->is_trained; }
    int64_t live_count() const { return map_->ntotal - tombstone_count_; }

    void train(int64_t n, const float* x);
    void add(int64_t n, const float* x, const int64_t* ids);
    void search(int64_t n, const float* x, int64_t k, float* distances, int64_t* labels) const;
    int64_t remove(int64_t n, const int64_t* ids);
    void compact();
    void set_hnsw_ef_search(int ef_search);
    void set_ivf_nprobe(int nprobe);
    void write(const std::string& path);

private:
    explicit IdMappedIndex(std::unique_ptr<faiss::IndexIDMap2> map);

    bool is_dead(int64_t position) const;
    void search_skipping_dead(int64_t n, const float* x, int64_t k, float* distances, int64_t* labels) const;

    std::unique_ptr<faiss::IndexIDMap2> map_;
    RemovalMode removal_;
    std::vector<uint8_t> dead_;   // one bit per internal position
    int64_t tombstone_count_ = 0;
};

// Which removal strategy an inner index supports; IVF indexes also get the direct map compaction needs.
RemovalMode prepare_for_removal(faiss::Index* inner);

} // namespace dfaiss
