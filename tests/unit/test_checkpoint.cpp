// Checkpoints on disk (DESIGN.md "Store / restore"): a run of 2T equals run T, checkpoint,
// resume, run T, bit for bit, with spikes in flight in the delay buffers at the cut; the file is
// versioned, checksummed, tied to the network's structure and written atomically.

#include <sys/resource.h>

#include <csignal>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <spikegraph/error.hpp>
#include "monitors/npy_writer.hpp"
#include "simulator/checkpoint.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/delayed_network.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#error "SPIKEGRAPH_SOURCE_DIR must name the repository root (see CMakeLists.txt)"
#endif

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using testing_support::CliOutcome;
using testing_support::delayed_network;
using testing_support::slurp;

const std::string k_cuba = SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml";

struct TempDir : testing_support::TempDir {
    TempDir() : testing_support::TempDir("spikegraph_ckpt", true) {}
};

template <class E>
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected " << typeid(E).name();
    return "";
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

template <class T>
std::vector<T> concat(const std::vector<T>& a, const std::vector<T>& b) {
    std::vector<T> out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

class Checkpoint : public testing_support::BackendTest {};

TEST_P(Checkpoint, RunTwiceTEqualsRunTCheckpointResumeT) {
    TempDir dir;
    const Network net = delayed_network();
    SimulationOptions whole_o, first_o, second_o;
    whole_o.out_dir = dir / "whole";
    first_o.out_dir = dir / "first";
    second_o.out_dir = dir / "second";

    Simulation whole(net, whole_o);
    whole.run(48.0);
    whole.finish();

    Simulation first(net, first_o);
    first.run(24.0);
    // The cut falls with spikes in both kinds of delay buffer.
    const auto ring_count = first.read("excitatory.spike_ring_count");
    EXPECT_GT(std::accumulate(ring_count.begin(), ring_count.end(), 0.0), 0.0);
    const auto pending = first.read("inhibitory.pending");
    EXPECT_NE(std::count(pending.begin(), pending.end(), 0.0), static_cast<long>(pending.size()));
    first.checkpoint(dir / "cut.ckpt");
    first.finish();

    Simulation second(net, second_o);
    second.resume(dir / "cut.ckpt");
    EXPECT_DOUBLE_EQ(second.t_ms(), 24.0);
    EXPECT_DOUBLE_EQ(second.start_ms(), 24.0);
    second.run_continue(24.0);
    second.finish();

    EXPECT_EQ(second.state(), whole.state());
    EXPECT_EQ(second.parameters(), whole.parameters());
    EXPECT_EQ(second.spike_count("neurons"), whole.spike_count("neurons"));
    EXPECT_EQ(second.synaptic_events(), whole.synaptic_events());
    // The strictest comparison: every variable that evolves, byte for byte.
    whole.checkpoint(dir / "whole.ckpt");
    second.checkpoint(dir / "second.ckpt");
    EXPECT_EQ(slurp(dir / "whole.ckpt"), slurp(dir / "second.ckpt"));

    for (const char* file : {"spikes.t.npy", "spikes.i.npy"}) {
        const auto w = read_npy(dir / "whole" / file), a = read_npy(dir / "first" / file),
                   b = read_npy(dir / "second" / file);
        EXPECT_EQ(w.bytes, concat(a.bytes, b.bytes)) << file;
        EXPECT_GT(b.shape.at(0), 50u) << file;
    }
    const auto t_second = read_npy(dir / "second" / "spikes.t.npy").as<double>();
    EXPECT_GE(t_second.front(), 24.0) << "a resumed run writes absolute times, from the cut on";
    for (const char* file : {"trace.t.npy", "trace.v.npy", "trace.ge.npy"}) {
        const auto w = read_npy(dir / "whole" / file), a = read_npy(dir / "first" / file),
                   b = read_npy(dir / "second" / file);
        EXPECT_EQ(w.bytes, concat(a.bytes, b.bytes)) << file;
    }
    EXPECT_DOUBLE_EQ(read_npy(dir / "second" / "trace.t.npy").as<double>().front(), 24.0);
    const auto manifest = nlohmann::json::parse(slurp(dir / "second" / "manifest.json"));
    EXPECT_EQ(manifest["run"]["start_ms"], 24.0);
    EXPECT_EQ(manifest["run"]["start_step"], 240);
    EXPECT_EQ(manifest["run"]["t_end_ms"], 48.0);
    EXPECT_EQ(manifest["run"]["duration_ms"], 24.0);
    EXPECT_EQ(manifest["run"]["steps"], 240);
    EXPECT_EQ(manifest["run"]["resumed_from"], (dir / "cut.ckpt").string());
}

TEST_P(Checkpoint, SameStateGivesTheSameBytes) {
    TempDir dir;
    Simulation a(delayed_network()), b(delayed_network());
    a.run(12.0);
    b.run(7.0);
    b.run_continue(5.0);
    a.checkpoint(dir / "a.ckpt");
    b.checkpoint(dir / "b.ckpt");
    EXPECT_EQ(slurp(dir / "a.ckpt"), slurp(dir / "b.ckpt"));
    // Threads are not part of the structure: a checkpoint of one thread resumes on four.
    SimulationOptions four;
    four.threads = 4;
    Simulation c(delayed_network(), four);
    c.resume(dir / "a.ckpt");
    a.run_continue(5.0);
    c.run_continue(5.0);
    EXPECT_EQ(c.state(), a.state());
}

TEST_P(Checkpoint, TheFileStartsWithItsSignatureAndADescription) {
    TempDir dir;
    Simulation sim(delayed_network());
    sim.run(1.0);
    sim.checkpoint(dir / "x.ckpt");
    const std::string bytes = slurp(dir / "x.ckpt");
    ASSERT_GT(bytes.size(), 64u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("SGCKPT\r\n"));
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]), k_checkpoint_version);
    EXPECT_TRUE(contains(bytes, "\"format\":\"spikegraph-checkpoint\""));
    EXPECT_TRUE(contains(bytes, "\"name\":\"neurons.v\""));
    for (const auto& e : fs::directory_iterator(dir.path()))
        EXPECT_EQ(e.path().filename().string().find(".part"), std::string::npos)
            << "the temporary file must be renamed away: " << e.path();
}

TEST_P(Checkpoint, ADifferentNetworkIsRefusedSayingWhatDiffers) {
    TempDir dir;
    Simulation sim(delayed_network());
    sim.run(2.0);
    sim.checkpoint(dir / "x.ckpt");
    const auto refuse = [&](const std::vector<std::string>& overrides) {
        Simulation other(delayed_network(overrides));
        return error_of<SimulationError>([&] { other.resume(dir / "x.ckpt"); });
    };
    std::string m = refuse({"groups.neurons.size=100", "connections.excitatory.pre=neurons[0:80]",
                            "connections.inhibitory.pre=neurons[80:100]"});
    EXPECT_TRUE(contains(m, "checkpoint '" + (dir / "x.ckpt").string() + "' was written by a different network: "));
    EXPECT_TRUE(contains(m, "variable 'neurons.v' has shape [1, 400] in the checkpoint and [1, 100] here"));
    EXPECT_TRUE(contains(m, "more difference"));
    m = refuse({"simulation.seed=8"});
    EXPECT_TRUE(contains(m, "the seed is 7 in the checkpoint and 8 here"));
    m = refuse({"simulation.dt=0.05 ms"});
    EXPECT_TRUE(contains(m, "dt is 0.1 ms in the checkpoint and 0.05 ms here"));
    m = refuse({"simulation.precision=float"});
    EXPECT_TRUE(contains(m, "the precision is double in the checkpoint and float here"));
    m = refuse({"monitors.extra={type: spike, group: drive}"});
    EXPECT_TRUE(contains(m, "op 'extra.record' (spike_monitor) is in this network but not in the checkpoint"));
}

TEST_P(Checkpoint, ParametersComeFromTheCheckpoint) {
    TempDir dir;
    Simulation sim(delayed_network());
    sim.run(2.0);
    sim.checkpoint(dir / "x.ckpt");
    Simulation changed(delayed_network({"groups.neurons.parameters.taum=10 ms"}));
    changed.resume(dir / "x.ckpt");
    EXPECT_EQ(changed.parameters().at("neurons.taum"), std::vector<double>{20.0});
}

class CorruptCheckpoint : public testing_support::BackendTest {
protected:
    void SetUp() override {
        BackendTest::SetUp();
        if (IsSkipped()) return;
        Simulation sim(delayed_network());
        sim.run(3.0);
        sim.checkpoint(dir_ / "good.ckpt");
        good_ = slurp(dir_ / "good.ckpt");
    }
    std::string resume_error(const std::string& bytes) {
        write_bytes(dir_ / "bad.ckpt", bytes);
        Simulation sim(delayed_network());
        return error_of<IoError>([&] { sim.resume(dir_ / "bad.ckpt"); });
    }
    TempDir dir_;
    std::string good_;
};

TEST_P(CorruptCheckpoint, AFlippedByteInTheDataIsCaughtByTheChecksum) {
    std::string bytes = good_;
    bytes[bytes.size() - 100] ^= 0x01;
    EXPECT_TRUE(contains(resume_error(bytes), "is corrupted: its content hashes to"));
}

TEST_P(CorruptCheckpoint, AFlippedByteInTheHeaderIsCaught) {
    std::string bytes = good_;
    bytes[20] ^= 0x40;
    EXPECT_TRUE(contains(resume_error(bytes), "is corrupted: its header checksum does not match"));
}

TEST_P(CorruptCheckpoint, ATruncatedFileSaysSo) {
    for (std::size_t keep : {good_.size() - 1, good_.size() / 2, std::size_t{100}}) {
        const std::string m = resume_error(good_.substr(0, keep));
        EXPECT_TRUE(contains(m, "is truncated: it has " + std::to_string(keep) + " bytes where its header announces " +
                                    std::to_string(good_.size())));
    }
    EXPECT_TRUE(contains(resume_error(good_.substr(0, 30)), "is truncated: it has 30 bytes, less than its 64-byte header"));
    EXPECT_TRUE(contains(resume_error(""), "is truncated: it has 0 bytes"));
}

TEST_P(CorruptCheckpoint, ExtraBytesAreCorruption) {
    EXPECT_TRUE(contains(resume_error(good_ + "x"), "is corrupted: it has 1 bytes after"));
}

TEST_P(CorruptCheckpoint, SomethingElseIsNotACheckpoint) {
    EXPECT_TRUE(contains(resume_error("{\"format\": \"spikegraph-output\"} and more text to pass 64 bytes......."),
                         "is not a spikegraph checkpoint"));
}

TEST_P(CorruptCheckpoint, AnotherFormatVersionIsNamed) {
    std::string bytes = good_;
    bytes[8] = 2;
    // Make the header consistent again, as a future writer would.
    std::uint64_t h = fnv1a64(bytes.data(), 48);
    for (int k = 0; k < 8; ++k) bytes[static_cast<std::size_t>(48 + k)] = static_cast<char>(h >> (8 * k));
    EXPECT_TRUE(contains(resume_error(bytes), "has format version 2; this build of spikegraph"));
}

TEST_P(CorruptCheckpoint, AMissingFileIsAnIoError) {
    Simulation sim(delayed_network());
    const std::string m = error_of<IoError>([&] { sim.resume(dir_ / "nope.ckpt"); });
    EXPECT_TRUE(contains(m, "cannot read checkpoint"));
    EXPECT_TRUE(contains(m, "No such file or directory"));
}

TEST_P(CorruptCheckpoint, AFailedWriteLeavesThePreviousCheckpoint) {
    Simulation sim(delayed_network());
    sim.run(1.0);
    // A file-size limit makes the write fail halfway, before the rename (EFBIG instead of the
    // SIGXFSZ that would end the process).
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    ::getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = 100;
    ::setrlimit(RLIMIT_FSIZE, &small);
    EXPECT_THROW(sim.checkpoint(dir_ / "good.ckpt"), IoError);
    ::setrlimit(RLIMIT_FSIZE, &old);
    EXPECT_EQ(slurp(dir_ / "good.ckpt"), good_);
    for (const auto& e : fs::directory_iterator(dir_.path()))
        EXPECT_EQ(e.path().filename().string().find(".part"), std::string::npos)
            << "temporary file left behind: " << e.path();
    EXPECT_THROW(sim.checkpoint(dir_ / "no_such_dir" / "x.ckpt"), IoError);
}

// --- The command line -----------------------------------------------------------------------

// The CLI runs in a process of its own, where the test's default backend does not reach: each
// command names the backend with --backend.
class CliCheckpoint : public testing_support::BackendTest {
protected:
    std::vector<std::string> on_backend(std::vector<std::string> args) const {
        args.insert(args.begin() + 1, {"--backend", backend()});
        return args;
    }
    CliOutcome run(const std::vector<std::string>& args) {
        return testing_support::run_cli(on_backend(args), dir_.path(), capture_.path());
    }
    TempDir dir_, capture_;
};

TEST_P(CliCheckpoint, CubaFourHundredMsEqualsTwoHundredCheckpointResumeTwoHundred) {
    ASSERT_EQ(run({"run", k_cuba, "--duration", "400ms", "--out", "whole", "--checkpoint", "whole.ckpt", "--quiet"}).exit_code, 0);
    ASSERT_EQ(run({"run", k_cuba, "--duration", "200ms", "--out", "a", "--checkpoint", "a.ckpt", "--quiet"}).exit_code, 0);
    const CliOutcome r = run({"run", k_cuba, "--resume", "a.ckpt", "--duration", "200ms", "--out", "b",
                              "--checkpoint", "b.ckpt"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(contains(r.out, "resumed from a.ckpt at t = 200 ms"));
    // Final state: the two checkpoints hold the same bytes.
    EXPECT_EQ(slurp(dir_ / "whole.ckpt"), slurp(dir_ / "b.ckpt"));
    // Spikes, one by one.
    for (const char* file : {"spikes.t.npy", "spikes.i.npy"}) {
        const auto w = read_npy(dir_ / "whole" / file), a = read_npy(dir_ / "a" / file),
                   b = read_npy(dir_ / "b" / file);
        EXPECT_EQ(w.shape.at(0), a.shape.at(0) + b.shape.at(0));
        EXPECT_EQ(w.bytes, concat(a.bytes, b.bytes)) << file;
    }
    const auto t = read_npy(dir_ / "b" / "spikes.t.npy").as<double>();
    ASSERT_FALSE(t.empty());
    EXPECT_GE(t.front(), 200.0);
    EXPECT_LT(t.back(), 400.0);
    const auto manifest = nlohmann::json::parse(slurp(dir_ / "b" / "manifest.json"));
    EXPECT_EQ(manifest["run"]["start_ms"], 200.0);
    EXPECT_EQ(manifest["run"]["t_end_ms"], 400.0);
    EXPECT_EQ(manifest["run"]["checkpoint"], "b.ckpt");
    const auto stats = nlohmann::json::parse(slurp(dir_ / "b" / "stats.json"));
    EXPECT_EQ(stats["steps"], 2000);
    EXPECT_EQ(stats["groups"]["neurons"]["spikes"],
              nlohmann::json::parse(slurp(dir_ / "whole" / "stats.json"))["groups"]["neurons"]["spikes"]);
}

TEST_P(CliCheckpoint, DelayedNetworkResumesBitIdenticallyOverThreeSegments) {
    write_bytes(dir_ / "net.yaml", testing_support::k_delayed_network_yaml);
    ASSERT_EQ(run({"run", "net.yaml", "--duration", "45ms", "--out", "whole", "--checkpoint", "whole.ckpt", "--quiet"}).exit_code, 0);
    ASSERT_EQ(run({"run", "net.yaml", "--duration", "15ms", "--out", "s1", "--checkpoint", "c.ckpt", "--quiet"}).exit_code, 0);
    // Resuming into the file it came from replaces it atomically.
    ASSERT_EQ(run({"run", "net.yaml", "--resume", "c.ckpt", "--duration", "15ms", "--out", "s2", "--checkpoint", "c.ckpt", "--quiet"}).exit_code, 0);
    ASSERT_EQ(run({"run", "net.yaml", "--resume", "c.ckpt", "--duration", "15ms", "--out", "s3", "--checkpoint", "c.ckpt", "--quiet", "--threads", "3"}).exit_code, 0);
    EXPECT_EQ(slurp(dir_ / "whole.ckpt"), slurp(dir_ / "c.ckpt"));
    for (const char* file : {"spikes.t.npy", "spikes.i.npy", "trace.t.npy", "trace.v.npy"}) {
        const auto w = read_npy(dir_ / "whole" / file);
        std::vector<char> joined;
        for (const char* seg : {"s1", "s2", "s3"}) joined = concat(joined, read_npy(dir_ / seg / file).bytes);
        EXPECT_EQ(w.bytes, joined) << file;
    }
}

TEST_P(CliCheckpoint, CheckpointEveryWritesTheStateAtTheEnd) {
    const CliOutcome r = run({"run", k_cuba, "--duration", "30ms", "--out", "o", "--checkpoint", "p.ckpt",
                              "--checkpoint-every", "10ms", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_EQ(run({"run", k_cuba, "--duration", "30ms", "--out", "q", "--checkpoint", "q.ckpt", "--quiet"}).exit_code, 0);
    EXPECT_EQ(slurp(dir_ / "p.ckpt"), slurp(dir_ / "q.ckpt"));
    EXPECT_FALSE(fs::exists(dir_ / "p.ckpt.part"));
}

TEST_P(CliCheckpoint, CheckpointEveryNeedsACheckpointFile) {
    const CliOutcome r = run({"run", k_cuba, "--duration", "1ms", "--checkpoint-every", "10ms"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(contains(r.err, "--checkpoint"));
}

TEST_P(CliCheckpoint, ACorruptedCheckpointIsRefusedWithOneLineAndNoOutput) {
    ASSERT_EQ(run({"run", k_cuba, "--duration", "5ms", "--out", "a", "--checkpoint", "a.ckpt", "--quiet"}).exit_code, 0);
    std::string bytes = slurp(dir_ / "a.ckpt");
    bytes[bytes.size() / 2] ^= 0x10;
    write_bytes(dir_ / "a.ckpt", bytes);
    const CliOutcome r = run({"run", k_cuba, "--resume", "a.ckpt", "--duration", "5ms", "--out", "b"});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r;
    EXPECT_TRUE(contains(r.err, "spikegraph: error: checkpoint 'a.ckpt' is corrupted"));
    EXPECT_FALSE(fs::exists(dir_ / "b"));

    write_bytes(dir_ / "short.ckpt", bytes.substr(0, 1000));
    const CliOutcome t = run({"run", k_cuba, "--resume", "short.ckpt", "--duration", "5ms", "--out", "c"});
    EXPECT_EQ(t.exit_code, 2) << t;
    EXPECT_TRUE(contains(t.err, "is truncated"));
    EXPECT_FALSE(fs::exists(dir_ / "c"));

    const CliOutcome m = run({"run", k_cuba, "--resume", "missing.ckpt", "--duration", "5ms", "--out", "d"});
    EXPECT_EQ(m.exit_code, 2) << m;
    EXPECT_TRUE(contains(m.err, "--resume 'missing.ckpt': no such file"));
}

TEST_P(CliCheckpoint, ResumingIntoAnotherNetworkIsRefused) {
    ASSERT_EQ(run({"run", k_cuba, "--duration", "5ms", "--out", "a", "--checkpoint", "a.ckpt", "--quiet"}).exit_code, 0);
    const CliOutcome r = run({"run", k_cuba, "--resume", "a.ckpt", "--duration", "5ms", "--out", "b", "--set",
                              "groups.neurons.size=3000", "--set", "connections.inhibitory.pre=neurons[2400:3000]",
                              "--set", "connections.excitatory.pre=neurons[0:2400]"});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_TRUE(contains(r.err, "variable 'neurons.v' has shape [1, 4000] in the checkpoint and [1, 3000] here"));
    EXPECT_FALSE(fs::exists(dir_ / "b"));
}

// kill -9 while checkpoints are being written, many times a second: whatever the moment, the
// file in place is a whole checkpoint that resumes.
TEST_P(CliCheckpoint, KillDuringACheckpointWriteLeavesThePreviousOneIntact) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        const fs::path cwd = dir_ / ("k" + std::to_string(attempt));
        fs::create_directories(cwd);
        testing_support::CliProcess p(on_backend({"run", k_cuba, "--duration", "1000s", "--out", "o",
                                                  "--checkpoint", "k.ckpt", "--checkpoint-every",
                                                  "0.2ms", "--quiet"}),
                                      cwd, capture_.path());
        ASSERT_TRUE(testing_support::wait_for([&] { return fs::exists(cwd / "k.ckpt"); },
                                              std::chrono::seconds(30)));
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + 37 * attempt));
        p.signal(SIGKILL);
        const CliOutcome killed = p.wait();
        EXPECT_EQ(killed.signal, SIGKILL);
        const CliOutcome r = testing_support::run_cli(
            on_backend({"run", k_cuba, "--resume", "k.ckpt", "--duration", "1ms", "--out", "r", "--quiet"}),
            cwd, capture_.path());
        EXPECT_EQ(r.exit_code, 0) << "attempt " << attempt << ": " << r;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Checkpoint, testing_support::all_backends(),
                         testing_support::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, CorruptCheckpoint, testing_support::all_backends(),
                         testing_support::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, CliCheckpoint, testing_support::all_backends(),
                         testing_support::backend_test_name);

}  // namespace
}  // namespace spikegraph
