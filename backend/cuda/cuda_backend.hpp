#pragma once
// The CUDA backend's entry in the backend table. Declared in every build; defined in
// cuda_backend.cpp, which is compiled only where CMake found the CUDA toolkit
// (SPIKEGRAPH_HAVE_CUDA), so only register_builtin_backends() refers to it, behind that flag.

#include "backend/backend_entry.hpp"

namespace spikegraph::cuda {

/// The backend's name in the backend table and the op registry.
inline constexpr const char* k_backend_name = "cuda";

/// Available where a device is visible and the backend is implemented; this version has no CUDA
/// executor yet, so it reports either the missing device (with the CUDA runtime's error) or that.
BackendEntry backend_entry();

}  // namespace spikegraph::cuda
