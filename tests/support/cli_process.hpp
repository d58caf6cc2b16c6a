#pragma once
// Runs the built `spikegraph` program as a child process: to completion (run_cli) or in the
// background (start_cli), to be signalled and waited for. stdout and stderr go to files.

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef SPIKEGRAPH_CLI
#error "SPIKEGRAPH_CLI must name the built spikegraph binary (see CMakeLists.txt)"
#endif

namespace spikegraph::testing_support {

struct CliOutcome {
    int exit_code = -1;  // -1 when the program did not exit normally (see signal)
    int signal = 0;      // the signal that killed it, 0 when it exited
    std::string out, err;
};

inline std::ostream& operator<<(std::ostream& os, const CliOutcome& r) {
    return os << "exit code " << r.exit_code << ", signal " << r.signal << "\n--- stdout ---\n"
              << r.out << "--- stderr ---\n" << r.err;
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class CliProcess {
public:
    /// Starts `spikegraph args...` in `cwd`; stdout and stderr go to `cwd/.stdout`, `.stderr`
    /// unless `capture_dir` is given.
    CliProcess(const std::vector<std::string>& args, const std::filesystem::path& cwd,
               std::filesystem::path capture_dir = {})
        : capture_(capture_dir.empty() ? cwd : std::move(capture_dir)) {
        std::vector<std::string> argv_s = {SPIKEGRAPH_CLI};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        const std::string out = (capture_ / ".stdout").string(), err = (capture_ / ".stderr").string();
        // Everything the child needs is prepared before fork: between fork and exec it may only
        // make async-signal-safe calls (no allocation: other threads may hold malloc's lock).
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            if (::chdir(cwd.c_str()) != 0) ::_exit(120);
            const int in_fd = ::open("/dev/null", O_RDONLY);
            const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(121);
            ::dup2(in_fd, 0), ::dup2(out_fd, 1), ::dup2(err_fd, 2);
            // The test runner may block or ignore signals; the program must see them as a user would.
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGTERM, SIG_DFL);
            ::execv(argv[0], argv.data());
            ::_exit(122);
        }
    }
    ~CliProcess() {
        if (pid_ > 0 && !waited_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;

    void signal(int sig) const { ::kill(pid_, sig); }

    /// Waits up to `timeout` for the program to end (then kills it and reports signal 9).
    CliOutcome wait(std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        for (;;) {
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) break;
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        waited_ = true;
        CliOutcome o;
        if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
        o.out = slurp(capture_ / ".stdout");
        o.err = slurp(capture_ / ".stderr");
        return o;
    }

private:
    std::filesystem::path capture_;
    pid_t pid_ = -1;
    bool waited_ = false;
};

/// Runs `spikegraph args...` in `cwd` to completion.
inline CliOutcome run_cli(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          const std::filesystem::path& capture_dir) {
    CliProcess p(args, cwd, capture_dir);
    return p.wait();
}

/// Polls `condition` every 5 ms for up to `timeout`; returns whether it became true.
template <class F>
bool wait_for(F condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
}

}  // namespace spikegraph::testing_support
