// `spikegraph inspect DIR --plot KIND`: the figures are drawn by matplotlib through the Python
// package spikegraph_io (python/spikegraph_io/plot.py), so that the plots a user gets from the
// command line and from Python are the same code. This file finds the interpreter and the
// package and runs `python3 -m spikegraph_io.plot` with the options passed on.

#include "apps/inspect_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph::app {

namespace fs = std::filesystem;

namespace {

bool holds_package(const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "spikegraph_io" / "plot.py", ec);
}

// The folder holding spikegraph_io: $SPIKEGRAPH_PYTHON_PATH, else the installed copy beside the
// program (<prefix>/share/spikegraph/python), else the source tree the program was built from.
fs::path package_dir() {
    std::vector<fs::path> tried;
    if (const char* env = std::getenv("SPIKEGRAPH_PYTHON_PATH"); env && *env) {
        if (holds_package(env)) return env;
        tried.emplace_back(env);
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "spikegraph" /
                                   "python";
        if (holds_package(installed)) return installed;
        tried.push_back(installed);
    }
#ifdef SPIKEGRAPH_PYTHON_SOURCE_DIR
    if (holds_package(SPIKEGRAPH_PYTHON_SOURCE_DIR)) return SPIKEGRAPH_PYTHON_SOURCE_DIR;
    tried.emplace_back(SPIKEGRAPH_PYTHON_SOURCE_DIR);
#endif
    std::string where;
    for (const auto& t : tried) where += (where.empty() ? "" : ", ") + t.string();
    throw IoError(fmt::format("the plots need the Python package spikegraph_io, which is not "
                              "in {}; install spikegraph (cmake --install) or set "
                              "SPIKEGRAPH_PYTHON_PATH to the repository's python/ folder",
                              where.empty() ? "any known place" : where));
}

// $SPIKEGRAPH_PYTHON, else Debian's /usr/bin/python3 (where python3-matplotlib is), else the
// python3 on PATH.
std::string interpreter() {
    if (const char* env = std::getenv("SPIKEGRAPH_PYTHON"); env && *env) return env;
    std::error_code ec;
    if (fs::exists("/usr/bin/python3", ec)) return "/usr/bin/python3";
    return "python3";
}

}  // namespace

int inspect_plot(const InspectArgs& a) {
    if (a.json) throw ConfigError("--json prints statistics; it does not go with --plot");
    if (a.monitors.size() > 1)
        throw ConfigError("--plot draws one monitor; give --monitor once");
    if (!a.variables.empty() && a.plot != "trace")
        throw ConfigError("--var chooses the variables of --plot trace");
    const fs::path package = package_dir();
    std::vector<std::string> argv = {interpreter(), "-m", "spikegraph_io.plot", a.dir,
                                     "--kind", a.plot};
    const auto pass = [&](const char* option, const std::string& value) {
        if (value.empty()) return;
        argv.emplace_back(option);
        argv.push_back(value);
    };
    pass("-o", a.output);
    if (!a.monitors.empty()) pass("--monitor", a.monitors.front());
    pass("--from", a.from);
    pass("--to", a.to);
    pass("--neurons", a.neurons);
    pass("--batch", a.batch);
    pass("--bin", a.bin);
    for (const auto& v : a.variables) pass("--var", v);

    std::string path = package.string();
    if (const char* old = std::getenv("PYTHONPATH"); old && *old) path += ":" + std::string(old);
    const pid_t pid = ::fork();
    if (pid < 0) throw IoError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
    if (pid == 0) {
        ::setenv("PYTHONPATH", path.c_str(), 1);
        ::setenv("MPLBACKEND", "Agg", 1);
        std::vector<char*> args;
        for (auto& s : argv) args.push_back(s.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        // Only reached when the interpreter could not be started.
        const std::string msg = fmt::format("spikegraph: error: cannot run {} for the plots: {}; "
                                            "install python3-matplotlib (Debian) or set "
                                            "SPIKEGRAPH_PYTHON\n", argv[0], std::strerror(errno));
        [[maybe_unused]] const auto written = ::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw IoError(fmt::format("waiting for {}: {}", argv[0],
                                                      std::strerror(errno)));
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace spikegraph::app
