#include "id_mapped_index.h"
#include "file_sync.h"

#include <faiss/IVFlib.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <unordered_set>

namespace dfaiss {

namespace {

// Compact automatically once this share of the stored positions is dead, so tombstones never
// dominate search cost or memory.
constexpr int64_t kCompactWhenDeadOneIn = 4;

// Admits only live positions; sized to the index when the search starts.
struct LiveSelector : faiss::IDSelector {
    explicit LiveSelector(const std::vector<uint8_t>& dead) : dead(dead) {}
    bool is_member(idx_t id) const override {
        const auto byte = static_cast<size_t>(id >> 3);
        return byte >= dead.size() || ((dead[byte] >> (id & 7)) & 1) == 0;
    }
    const std::vector<uint8_t>& dead;
};

// An empty index of the same kind and parameters (HNSW M and efSearch, IVF centroids ...). Goes through
// FAISS's own serialization because clone_index does not preserve every concrete type (HNSWFlat
// comes back as a plain IndexHNSW that write_index then refuses).
std::unique_ptr<faiss::Index> empty_copy(const faiss::Index* index) {
    faiss::VectorIOWriter writer;
    faiss::write_index(index, &writer);
    faiss::VectorIOReader reader;
    reader.data = std::move(writer.data);
    std::unique_ptr<faiss::Index> copy(faiss::read_index(&reader));
    copy->reset();
    return copy;
}

bool starts_with_id_map(const std::string& factory) {
    std::string head = factory.substr(0, 5);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    return head == "idmap";
}

} // namespace

RemovalMode prepare_for_removal(faiss::Index* inner) {
    if (dynamic_cast<faiss::IndexFlatCodes*>(inner) != nullptr) {
        return RemovalMode::InPlace;
    }
    if (dynamic_cast<faiss::IndexHNSW*>(inner) != nullptr) {
        return RemovalMode::Tombstone;
    }
    if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(inner)) {
        // compact() reconstructs live vectors by position, which IVF can do only with a direct map.
        if (ivf->direct_map.type == faiss::DirectMap::NoMap) {
            ivf->make_direct_map(true);
        }
        return RemovalMode::Tombstone;
    }
    return RemovalMode::None;
}

IdMappedIndex::IdMappedIndex(std::unique_ptr<faiss::IndexIDMap2> map)
        : map_(std::move(map)), removal_(prepare_for_removal(map_->index)),
          dead_(static_cast<size_t>((map_->ntotal + 7) / 8), 0) {}

std::unique_ptr<IdMappedIndex> IdMappedIndex::create(const std::string& factory, int dim, faiss::MetricType metric) {
    if (factory.empty()) {
        throw invalid_argument_error("factory string is empty");
    }
    if (starts_with_id_map(factory)) {
        throw invalid_argument_error("factory string '" + factory +
                                     "' starts with IDMap; leave it out, every index is id-mapped already");
    }
    if (dim <= 0) {
        throw invalid_argument_error("dimension must be positive, got " + std::to_string(dim));
    }
    std::unique_ptr<faiss::Index> inner(faiss::index_factory(dim, factory.c_str(), metric));
    auto map = std::make_unique<faiss::IndexIDMap2>(inner.get());
    map->own_fields = true;
    inner.release();
    return std::unique_ptr<IdMappedIndex>(new IdMappedIndex(std::move(map)));
}

std::unique_ptr<IdMappedIndex> IdMappedIndex::read(const std::string& path) {
    std::unique_ptr<faiss::Index> loaded(faiss::read_index(path.c_str()));
    auto* map = dynamic_cast<faiss::IndexIDMap2*>(loaded.get());
    if (map == nullptr) {
        throw invalid_argument_error("'" + path + "' does not hold an IDMap2 index written by this library");
    }
    loaded.release();
    return std::unique_ptr<IdMappedIndex>(new IdMappedIndex(std::unique_ptr<faiss::IndexIDMap2>(map)));
}

void IdMappedIndex::train(int64_t n, const float* x) {
    if (n <= 0) {
        throw invalid_argument_error("training needs at least one vector");
    }
    map_->train(n, x);
}

void IdMappedIndex::add(int64_t n, const float* x, const int64_t* ids) {
    if (n < 0) {
        throw invalid_argument_error("vector count must not be negative");
    }
    if (n == 0) {
        return;
    }
    std::unordered_set<int64_t> seen;
    seen.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) {
        if (ids[i] < 0) {
            throw invalid_argument_error("id " + std::to_string(ids[i]) + " is negative (-1 marks a missing result)");
        }
        if (map_->rev_map.count(ids[i]) != 0 || !seen.insert(ids[i]).second) {
            throw invalid_argument_error("id " + std::to_string(ids[i]) + " is already in the index");
        }
    }
    map_->add_with_ids(n, x, ids);
    dead_.resize(static_cast<size_t>((map_->ntotal + 7) / 8), 0);
}

bool IdMappedIndex::is_dead(int64_t position) const {
    return ((dead_[static_cast<size_t>(position >> 3)] >> (position & 7)) & 1) != 0;
}

void IdMappedIndex::search(int64_t n, const float* x, int64_t k, float* distances, int64_t* labels) const {
    if (n < 0 || k <= 0) {
        throw invalid_argument_error("search needs n >= 0 and k > 0");
    }
    if (n == 0) {
        return;
    }
    if (tombstone_count_ == 0) {
        map_->search(n, x, k, distances, labels);
    } else {
        search_skipping_dead(n, x, k, distances, labels);
    }
}

void IdMappedIndex::search_skipping_dead(int64_t n, const float* x, int64_t k, float* distances, int64_t* labels) const {
    LiveSelector live(dead_);
    faiss::Index* inner = map_->index;
    // Per-call parameters replace the index's own, so carry its efSearch / nprobe over.
    if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(inner)) {
        faiss::SearchParametersHNSW params;
        params.sel = &live;
        params.efSearch = hnsw->hnsw.efSearch;
        inner->search(n, x, k, distances, labels, &params);
    } else if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(inner)) {
        faiss::SearchParametersIVF params;
        params.sel = &live;
        params.nprobe = ivf->nprobe;
        params.max_codes = ivf->max_codes;
        inner->search(n, x, k, distances, labels, &params);
    } else {
        throw unsupported_error("tombstones on an index that is neither HNSW nor IVF");
    }
    for (int64_t i = 0; i < n * k; i++) {
        if (labels[i] >= 0) {
            labels[i] = map_->id_map[static_cast<size_t>(labels[i])];
        }
    }
}

int64_t IdMappedIndex::remove(int64_t n, const int64_t* ids) {
    if (n < 0) {
        throw invalid_argument_error("id count must not be negative");
    }
    if (n == 0) {
        return 0;
    }
    switch (removal_) {
    case RemovalMode::InPlace: {
        faiss::IDSelectorBatch selected(static_cast<size_t>(n), ids);
        return static_cast<int64_t>(map_->remove_ids(selected));
    }
    case RemovalMode::Tombstone: {
        int64_t removed = 0;
        for (int64_t i = 0; i < n; i++) {
            auto found = map_->rev_map.find(ids[i]);
            if (found == map_->rev_map.end()) {
                continue;
            }
            const int64_t position = found->second;
            dead_[static_cast<size_t>(position >> 3)] |= static_cast<uint8_t>(1u << (position & 7));
            map_->rev_map.erase(found);
            removed++;
        }
        tombstone_count_ += removed;
        if (tombstone_count_ * kCompactWhenDeadOneIn >= map_->ntotal) {
            compact();
        }
        return removed;
    }
    case RemovalMode::None:
        throw unsupported_error("this index kind cannot remove vectors; use Flat, HNSW or IVF");
    }
    throw unsupported_error("unknown removal mode");
}

void IdMappedIndex::compact() {
    if (tombstone_count_ == 0) {
        return;
    }
    const int64_t live = live_count();
    std::vector<float> vectors(static_cast<size_t>(live) * static_cast<size_t>(map_->d));
    std::vector<int64_t> ids(static_cast<size_t>(live));
    int64_t next = 0;
    for (int64_t position = 0; position < map_->ntotal; position++) {
        if (is_dead(position)) {
            continue;
        }
        map_->index->reconstruct(position, vectors.data() + next * map_->d);
        ids[static_cast<size_t>(next)] = map_->id_map[static_cast<size_t>(position)];
        next++;
    }
    // Built beside the old index and swapped in only when complete, so a failure leaves it intact.
    std::unique_ptr<faiss::Index> fresh = empty_copy(map_->index);
    prepare_for_removal(fresh.get());
    auto map = std::make_unique<faiss::IndexIDMap2>(fresh.get());
    map->own_fields = true;
    fresh.release();
    map->add_with_ids(live, vectors.data(), ids.data());
    map_ = std::move(map);
    dead_.assign(static_cast<size_t>((map_->ntotal + 7) / 8), 0);
    tombstone_count_ = 0;
}

void IdMappedIndex::set_hnsw_ef_search(int ef_search) {
    if (ef_search <= 0) {
        throw invalid_argument_error("efSearch must be positive, got " + std::to_string(ef_search));
    }
    auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(map_->index);
    if (hnsw == nullptr) {
        throw unsupported_error("efSearch applies to HNSW indexes only");
    }
    hnsw->hnsw.efSearch = ef_search;
}

void IdMappedIndex::set_ivf_nprobe(int nprobe) {
    if (nprobe <= 0) {
        throw invalid_argument_error("nprobe must be positive, got " + std::to_string(nprobe));
    }
    auto* ivf = faiss::ivflib::try_extract_index_ivf(map_->index);
    if (ivf == nullptr) {
        throw unsupported_error("nprobe applies to IVF indexes only");
    }
    ivf->nprobe = static_cast<size_t>(nprobe);
}

void IdMappedIndex::write(const std::string& path) {
    compact();
    faiss::write_index(map_.get(), path.c_str());
    sync_path(path);
}

} // namespace dfaiss
