#pragma once
// Element types of variables. Real-valued state uses the simulation's precision (f32 or f64).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spikegraph {

enum class DType : std::uint8_t { f32, f64, i32, i64, u8 };

constexpr std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::f32: return 4;
        case DType::f64: return 8;
        case DType::i32: return 4;
        case DType::i64: return 8;
        case DType::u8: return 1;
    }
    return 0;
}

constexpr std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::f32: return "float32";
        case DType::f64: return "float64";
        case DType::i32: return "int32";
        case DType::i64: return "int64";
        case DType::u8: return "uint8";
    }
    return "?";
}

/// Floating-point precision of a simulation's real-valued variables.
enum class Precision : std::uint8_t { f32, f64 };

constexpr DType real_dtype(Precision p) { return p == Precision::f32 ? DType::f32 : DType::f64; }

}  // namespace spikegraph
