#include "backend/cpu/native_compiler.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/build_status.hpp"
#include "core/cancel.hpp"
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

// Single quotes as /bin/sh reads them (embedded quotes closed, escaped and reopened): the
// command line shown in messages can be pasted into a shell.
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

// The compiler and its arguments, and the same as one line of text (the cache key, messages).
struct CompilerCommand {
    std::vector<std::string> argv;
    std::string text;
};

CompilerCommand compiler_command() {
    std::string cxx = env("SPIKEGRAPH_CXX");
    if (cxx.empty()) cxx = SPIKEGRAPH_NATIVE_CXX;
    // Exactly the arithmetic the interpreter does: no contraction into FMA, no fast-math, so
    // the vector width does not change any result. -fno-trapping-math lets the selects of the
    // update vectorise; it changes no result either.
    CompilerCommand c;
    c.argv = {cxx, "-O3", "-std=c++17", "-fPIC", "-shared", "-ffp-contract=off",
              "-fno-trapping-math", "-w"};
    // The code runs where it is compiled: use the whole instruction set (AVX-512 where there
    // is one, faster than AVX2 even on the memory-bound updates).
    std::string arch = env("SPIKEGRAPH_NATIVE_ARCH");
    if (arch.empty()) arch = "native";
    c.argv.push_back("-march=" + arch);
#if defined(__x86_64__)
    c.argv.push_back("-mprefer-vector-width=512");
#endif
    c.text = quote(cxx);
    for (std::size_t k = 1; k < c.argv.size(); ++k) c.text += " " + c.argv[k];
    return c;
}

// How long the compiler's process group gets to end after it was sent the stop signal, before
// it is killed: well inside the second within which a signal must stop the program.
constexpr auto k_compiler_grace = std::chrono::milliseconds(300);
constexpr auto k_poll_interval = std::chrono::milliseconds(5);

// Stops the compiler's process group: the signal the user sent (the driver then removes its own
// temporary files), then SIGKILL for whatever is left.
void stop_compiler(pid_t pid, int sig) {
    ::kill(-pid, sig);
    const auto deadline = std::chrono::steady_clock::now() + k_compiler_grace;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            ::kill(-pid, SIGKILL);  // the driver's children, should any remain
            return;
        }
        std::this_thread::sleep_for(k_poll_interval);
    }
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

// Runs the compiler as a child process (no shell) in a process group of its own, with its
// output going to `log`, and waits for it while watching for a cancel request: on one, the
// compiler is stopped and Interrupted thrown. Returns the wait status, or -1 with `why` set
// when it could not be started.
int run_compiler(const std::vector<std::string>& args, const fs::path& log, std::string& why) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own process group, so that a stop reaches the driver and every process it started.
    // Signals back to their defaults and unblocked: the handlers of this program are not its.
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, defaults;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &files, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        why = fmt::format("cannot start the compiler '{}': {}", args[0], std::strerror(rc));
        return -1;
    }
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0 && errno != EINTR) {
            why = fmt::format("waiting for the compiler failed: {}", std::strerror(errno));
            return -1;
        }
        if (cancel_requested()) {
            stop_compiler(pid, cancel_signal() != 0 ? cancel_signal() : SIGINT);
            throw_if_cancelled("during native compilation; nothing was written");
        }
        std::this_thread::sleep_for(k_poll_interval);
    }
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
    throw_if_cancelled("before native compilation; nothing was written");
    const CompilerCommand command = compiler_command();
    static const std::string cpu = host_cpu();
    const std::string key =
        fmt::format("{:016x}", fnv1a64(command.text + "\n" + cpu + "\n" + source));
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
        set_build_phase("native compiler (" + symbol + ")");
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
        const auto remove_temporaries = [&] {
            std::error_code ignored;
            for (const fs::path& p : {src, tmp, log}) fs::remove(p, ignored);
        };
        std::vector<std::string> args = command.argv;
        args.insert(args.end(), {"-o", tmp.string(), src.string()});
        const std::string cmd = fmt::format("{} -o {} {}", command.text, quote(tmp.string()),
                                            quote(src.string()));
        int status = -1;
        try {
            status = run_compiler(args, log, why);
        } catch (...) {
            remove_temporaries();
            throw;
        }
        if (status == -1) {
            remove_temporaries();
            return nullptr;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(tmp)) {
            std::ifstream in(log);
            std::stringstream text;
            text << in.rdbuf();
            const std::string how = WIFSIGNALED(status)
                                        ? fmt::format("killed by signal {}", WTERMSIG(status))
                                        : fmt::format("exit code {}", WEXITSTATUS(status));
            why = fmt::format("the compiler failed ({}; {}): {}", how, cmd,
                              text.str().substr(0, 2000));
            remove_temporaries();
            // A compiler killed by the user's Ctrl-C (it shares the terminal) is a stop too.
            throw_if_cancelled("during native compilation; nothing was written");
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
