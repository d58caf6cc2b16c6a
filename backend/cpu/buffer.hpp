#pragma once
// A contiguous, 64-byte aligned, typed block of host memory: the storage of one variable.

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include <spikegraph/dtype.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace spikegraph::cpu {

class Buffer {
public:
    Buffer() = default;
    Buffer(DType type, std::size_t count) : type_(type), count_(count) {
        // Round the byte count up to a multiple of 64: std::aligned_alloc requires it, and SIMD
        // loops may then read a whole vector past the last element without faulting.
        std::size_t bytes = ((count * dtype_size(type) + 63) / 64) * 64;
        if (bytes > 0) {
            // Large buffers go on 2 MiB pages where the kernel offers them: synapse rows are
            // read at random places, and with 4 KiB pages nearly every row costs a TLB miss.
            const bool huge = bytes >= k_huge_min_bytes;
            if (huge) bytes = (bytes + k_huge_page - 1) / k_huge_page * k_huge_page;
            void* p = std::aligned_alloc(huge ? k_huge_page : 64, bytes);
            if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
            if (huge) ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
            std::memset(p, 0, bytes);
            data_.reset(static_cast<std::byte*>(p));
        }
    }

    DType type() const { return type_; }
    std::size_t size() const { return count_; }
    std::size_t bytes() const { return count_ * dtype_size(type_); }

    template <class T>
    T* as() { return reinterpret_cast<T*>(data_.get()); }
    template <class T>
    const T* as() const { return reinterpret_cast<const T*>(data_.get()); }
    void* raw() { return data_.get(); }
    const void* raw() const { return data_.get(); }

private:
    static constexpr std::size_t k_huge_page = std::size_t(2) << 20;
    static constexpr std::size_t k_huge_min_bytes = std::size_t(4) << 20;
    struct Free {
        void operator()(std::byte* p) const { std::free(p); }
    };
    DType type_ = DType::f64;
    std::size_t count_ = 0;
    std::unique_ptr<std::byte, Free> data_;
};

}  // namespace spikegraph::cpu
