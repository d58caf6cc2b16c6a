#include "backend/cpu/native_compiler.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "core/hash.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph::cpu {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

fs::path cache_dir() {
    if (auto d = env("SPIKEGRAPH_CACHE_DIR"); !d.empty()) return d;
    if (auto d = env("XDG_CACHE_HOME"); !d.empty()) return fs::path(d) / "spikegraph";
    if (auto d = env("HOME"); !d.empty()) return fs::path(d) / ".cache" / "spikegraph";
    return fs::temp_directory_path() / fmt::format("spikegraph-cache-{}", ::getuid());
}

// Single quotes for /bin/sh, with embedded quotes closed, escaped and reopened.
std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The processor's model and feature flags: the code is compiled for the machine it runs on, so
// a cache shared between different machines (a network home directory) must keep them apart.
std::string host_cpu() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model, flags;
    while (std::getline(in, line) && (model.empty() || flags.empty())) {
        if (model.empty() && line.rfind("model name", 0) == 0) model = line;
        if (flags.empty() && line.rfind("flags", 0) == 0) flags = line;
    }
    return model + "\n" + flags;
}

std::string compiler_command() {
    std::string cxx = env("SPIKEGRAPH_CXX");
    if (cxx.empty()) cxx = SPIKEGRAPH_NATIVE_CXX;
    // Exactly the arithmetic the interpreter does: no contraction into FMA, no fast-math, so
    // the vector width does not change any result. -fno-trapping-math lets the selects of the
    // update vectorise; it changes no result either.
    std::string flags = "-O3 -std=c++17 -fPIC -shared -ffp-contract=off -fno-trapping-math -w";
    // The code runs where it is compiled: use the whole instruction set (AVX-512 where there
    // is one, faster than AVX2 even on the memory-bound updates).
    std::string arch = env("SPIKEGRAPH_NATIVE_ARCH");
    if (arch.empty()) arch = "native";
    flags += " -march=" + arch;
#if defined(__x86_64__)
    flags += " -mprefer-vector-width=512";
#endif
    return quote(cxx) + " " + flags;
}

}  // namespace

namespace {

std::atomic<int> native_override{-1};  // -1: the environment decides
std::atomic<std::size_t> native_count{0};

}  // namespace

bool native_enabled() {
    static const bool from_env = [] {
        const std::string v = env("SPIKEGRAPH_NATIVE");
        return !(v == "0" || v == "off" || v == "false" || v == "OFF" || v == "no");
    }();
    const int o = native_override.load();
    return o < 0 ? from_env : o == 1;
}

void set_native_enabled(bool enabled) { native_override.store(enabled ? 1 : 0); }

std::size_t native_kernels_bound() { return native_count.load(); }

void count_native_kernel() { ++native_count; }

void* compile_native(const std::string& source, const std::string& symbol, std::string& why) {
    static std::mutex mutex;
    static std::map<std::string, void*> loaded;  // by library path; never unloaded
    std::lock_guard lock(mutex);
    const std::string command = compiler_command();
    static const std::string cpu = host_cpu();
    const std::string key = fmt::format("{:016x}", fnv1a64(command + "\n" + cpu + "\n" + source));
    std::error_code ec;
    const fs::path dir = cache_dir();
    fs::create_directories(dir, ec);
    if (ec) {
        why = fmt::format("cannot create the cache directory '{}': {}", dir.string(), ec.message());
        return nullptr;
    }
    const fs::path lib = dir / ("sg_" + key + ".so");
    void* handle = nullptr;
    if (auto it = loaded.find(lib.string()); it != loaded.end()) handle = it->second;
    if (!handle && !fs::exists(lib)) {
        // Compile into unique temporary names, then rename: another process compiling the same
        // source at the same time never sees a half-written library.
        const std::string tag = fmt::format("{}.{}", ::getpid(), key);
        const fs::path src = dir / ("tmp_" + tag + ".cpp");
        const fs::path tmp = dir / ("tmp_" + tag + ".so");
        const fs::path log = dir / ("tmp_" + tag + ".log");
        {
            std::ofstream out(src);
            out << source;
            if (!out) {
                why = fmt::format("cannot write '{}'", src.string());
                return nullptr;
            }
        }
        const std::string cmd = fmt::format("{} -o {} {} > {} 2>&1", command, quote(tmp.string()),
                                            quote(src.string()), quote(log.string()));
        const int rc = std::system(cmd.c_str());
        if (rc != 0 || !fs::exists(tmp)) {
            std::ifstream in(log);
            std::stringstream text;
            text << in.rdbuf();
            why = fmt::format("the compiler failed ({}): {}", cmd, text.str().substr(0, 2000));
            fs::remove(src, ec);
            fs::remove(tmp, ec);
            fs::remove(log, ec);
            return nullptr;
        }
        fs::rename(tmp, lib, ec);
        // The source stays beside its library (sg_<key>.cpp) for whoever wants to read the code
        // a model was compiled to.
        std::error_code kept;
        fs::rename(src, dir / ("sg_" + key + ".cpp"), kept);
        if (kept) fs::remove(src, kept);
        fs::remove(log, ec);
        if (ec && !fs::exists(lib)) {
            why = fmt::format("cannot place '{}': {}", lib.string(), ec.message());
            return nullptr;
        }
    }
    if (!handle) {
        handle = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            why = fmt::format("cannot load '{}': {}", lib.string(), ::dlerror());
            return nullptr;
        }
        loaded[lib.string()] = handle;
    }
    void* fn = ::dlsym(handle, symbol.c_str());
    if (!fn) why = fmt::format("'{}' has no symbol '{}'", lib.string(), symbol);
    return fn;
}

}  // namespace spikegraph::cpu
