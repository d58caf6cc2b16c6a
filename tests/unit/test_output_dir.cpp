// Output directories are never mixed or corrupted (issue 13): temporary names are unique per
// process, a run holds its directory locked (a second run is refused at once, naming the pid),
// a run replaces the previous run's files as a whole and never removes a file spikegraph did
// not write, and a crash leaves either the previous complete state or none claimed.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include "core/atomic_file.hpp"
#include "monitors/npy_writer.hpp"
#include "monitors/output_dir.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/delayed_network.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using namespace testing_support;
using nlohmann::json;

// SPIKEGRAPH_SOURCE_DIR: the repository root (CMakeLists.txt).
const std::string k_cuba = SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml";

// A fresh directory, created, for each test (and for the captured output of the CLI).
class TempDir : public testing_support::TempDir {
public:
    TempDir() : testing_support::TempDir("spikegraph_outdir", /*create=*/true) {}
};

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

// Name, size and modification time of every entry: what "touches nothing" compares.
std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> snapshot(const fs::path& dir) {
    std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> s;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::error_code ec;
        s[e.path().filename().string()] = {e.is_regular_file() ? e.file_size() : 0,
                                           e.last_write_time(ec)};
    }
    return s;
}

// A pid that belonged to a process that has ended (and been reaped).
pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return pid;
}

json manifest_of(const fs::path& dir) { return json::parse(slurp(dir / "manifest.json")); }

// The manifest lists exactly the files in the directory (plus itself and stats.json, and the
// files named in `others`).
void expect_manifest_lists_exactly_what_is_there(const fs::path& dir,
                                                 std::set<std::string> others = {}) {
    std::set<std::string> listed = {"manifest.json", "stats.json"};
    const json manifest = manifest_of(dir);
    for (const auto& f : manifest["files"]) listed.insert(f["file"].get<std::string>());
    listed.insert(others.begin(), others.end());
    EXPECT_EQ(names_in(dir), listed);
}

TEST(OutputDir, TemporaryNamesAreUniquePerWriterAndNameTheProcess) {
    TempDir dir;
    AtomicFileWriter a(dir / "x.npy"), b(dir / "x.npy");
    EXPECT_NE(a.temp_path(), b.temp_path());
    const std::string name = a.temp_path().filename().string();
    EXPECT_NE(name.find(std::to_string(::getpid())), std::string::npos) << name;
    EXPECT_EQ(temp_file_owner(name), ::getpid());
    EXPECT_EQ(temp_file_owner("x.npy"), 0);
    EXPECT_EQ(temp_file_owner("x.npy.part"), 0);
    EXPECT_EQ(temp_file_owner("x.part-12-"), 0);
    // Both commit: the second rename wins whole; neither writer wrote into the other's file.
    a.write("aaaa", 4);
    b.write("bb", 2);
    a.commit();
    b.commit();
    EXPECT_EQ(slurp(dir / "x.npy"), "bb");
}

TEST(OutputDir, ASecondSimulationIntoTheSameDirectoryIsRefusedNamingThePid) {
    TempDir dir;
    SimulationOptions o;
    o.out_dir = dir / "out";
    {
        Simulation first(delayed_network(), o);
        EXPECT_TRUE(fs::exists(dir / "out" / k_output_lock_file));
        const auto before = snapshot(dir / "out");
        try {
            Simulation second(delayed_network(), o);
            FAIL() << "a second simulation into a held directory was not refused";
        } catch (const IoError& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find("pid " + std::to_string(::getpid())), std::string::npos) << m;
            EXPECT_NE(m.find((dir / "out").string()), std::string::npos) << m;
            EXPECT_NE(m.find("choose another output directory"), std::string::npos) << m;
        }
        EXPECT_EQ(snapshot(dir / "out"), before) << "the refused run changed the directory";
        first.run(1.0);
        first.finish();
        EXPECT_FALSE(fs::exists(dir / "out" / k_output_lock_file)) << "held after the commit";
        Simulation third(delayed_network(), o);  // free again
    }
}

TEST(OutputDir, AStaleLockFileOfAKilledRunDoesNotBlock) {
    TempDir dir;
    fs::create_directories(dir / "out");
    write_text(dir / "out" / k_output_lock_file, std::to_string(dead_pid()) + "\n");
    SimulationOptions o;
    o.out_dir = dir / "out";
    {
        Simulation sim(delayed_network(), o);
        EXPECT_EQ(slurp(dir / "out" / k_output_lock_file), std::to_string(::getpid()) + "\n");
        sim.run(1.0);
    }
    EXPECT_FALSE(fs::exists(dir / "out" / k_output_lock_file));
    expect_manifest_lists_exactly_what_is_there(dir / "out");
}

TEST(OutputDir, ARunThatNeverSteppedLeavesNoDirectoryItCreated) {
    TempDir dir;
    SimulationOptions o;
    o.out_dir = dir / "new" / "out";
    { Simulation sim(delayed_network(), o); }
    EXPECT_FALSE(fs::exists(dir / "new" / "out"));
}

TEST(OutputDir, AFileWhereTheDirectoryShouldBeIsRefused) {
    TempDir dir;
    write_text(dir / "out", "mine");
    SimulationOptions o;
    o.out_dir = dir / "out";
    EXPECT_THROW(Simulation(delayed_network(), o), IoError);
    EXPECT_EQ(slurp(dir / "out"), "mine");
    EXPECT_EQ(detail::output_directory_problem(dir / "out"),
              "is a file, not a directory; choose another output directory");
    EXPECT_NE(detail::output_directory_problem(dir / "out" / "sub").find("is a file"),
              std::string::npos);
    EXPECT_EQ(detail::output_directory_problem(dir / "fresh" / "sub"), "");
}

TEST(OutputDir, AManifestSpikegraphDidNotWriteIsRefusedAndKept) {
    TempDir dir;
    fs::create_directories(dir / "out");
    write_text(dir / "out" / "manifest.json", "{\"mine\": true}");
    SimulationOptions o;
    o.out_dir = dir / "out";
    try {
        Simulation sim(delayed_network(), o);
        FAIL() << "a foreign manifest.json was not refused";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("did not write"), std::string::npos) << e.what();
    }
    EXPECT_EQ(slurp(dir / "out" / "manifest.json"), "{\"mine\": true}");
    EXPECT_EQ(names_in(dir / "out"), std::set<std::string>{"manifest.json"});
}

TEST(OutputDir, TemporaryFilesOfDeadProcessesAreRemovedOthersKept) {
    TempDir dir;
    fs::create_directories(dir / "out");
    const std::string dead = "x.npy.part-" + std::to_string(dead_pid()) + "-0";
    const std::string alive = "y.npy.part-" + std::to_string(::getppid()) + "-0";
    for (const std::string& name : {dead, alive, std::string("z.npy.part"), std::string("n.txt")})
        write_text(dir / "out" / name, "x");
    { OutputDirectory out(dir / "out"); }
    EXPECT_EQ(names_in(dir / "out"), (std::set<std::string>{alive, "z.npy.part", "n.txt"}));
}

TEST(OutputDir, ACrashWhileCommittingClaimsNothingAndTheNextRunCleansUp) {
    TempDir dir;
    const fs::path out = dir / "out";
    fs::create_directories(out);
    json old = {{"format", "spikegraph-output"},
                {"files", {{{"file", "a.npy"}}, {{"file", "b.npy"}}}}};
    write_text(out / "manifest.json", old.dump());
    for (const char* f : {"a.npy", "b.npy", "stats.json", "notes.txt"}) write_text(out / f, "old");
    {
        OutputDirectory run(out);
        EXPECT_EQ(run.previous_files(),
                  (std::set<std::string>{"a.npy", "b.npy", "manifest.json", "stats.json"}));
        run.begin_commit({"a.npy", "c.npy", "manifest.json", "stats.json"});
        // Renames happen here; the process dies before its manifest is written.
        write_text(out / "c.npy", "new");
    }
    EXPECT_FALSE(fs::exists(out / "manifest.json")) << "a manifest claims a mix of two runs";
    EXPECT_TRUE(fs::exists(out / k_output_journal_file));
    {
        OutputDirectory next(out);
        next.begin_commit({"a.npy", "manifest.json", "stats.json"});
        write_text(out / "manifest.json", json{{"format", "spikegraph-output"}}.dump());
        next.end_commit();
    }
    EXPECT_EQ(names_in(out), (std::set<std::string>{"a.npy", "manifest.json", "stats.json",
                                                    "notes.txt"}));
}

TEST(OutputDir, AManifestCannotMakeARunRemoveAnythingOutsideItsFiles) {
    TempDir dir;
    const fs::path out = dir / "out";
    fs::create_directories(out / "sub");
    write_text(dir / "victim.txt", "keep");
    json old = {{"format", "spikegraph-output"},
                {"files",
                 {{{"file", "../victim.txt"}}, {{"file", "sub"}}, {{"file", "/etc/hostname"}},
                  {{"file", k_output_lock_file}}}}};
    write_text(out / "manifest.json", old.dump());
    SimulationOptions o;
    o.out_dir = out;
    {
        Simulation sim(delayed_network(), o);
        sim.run(1.0);
    }
    EXPECT_EQ(slurp(dir / "victim.txt"), "keep");
    EXPECT_TRUE(fs::is_directory(out / "sub"));
    expect_manifest_lists_exactly_what_is_there(out, {"sub"});
}

// --- The command line -----------------------------------------------------------------------

class CliOutputDir : public ::testing::Test {
protected:
    CliOutcome run(const std::vector<std::string>& args) {
        return run_cli(args, dir_.path(), capture_.path());
    }
    TempDir dir_, capture_;
};

// The example of the issue: a batch-8 run then a batch-1 run into the same directory left a
// batch-8 spikes.b.npy beside the batch-1 files.
TEST_F(CliOutputDir, ReusingADirectoryLeavesOnlyTheNewRunsFiles) {
    ASSERT_EQ(run({"run", k_cuba, "--duration", "5ms", "--out", "o", "--quiet", "--set",
                   "simulation.batch=8"}).exit_code, 0);
    ASSERT_TRUE(fs::exists(dir_ / "o" / "spikes.b.npy"));
    write_text(dir_ / "o" / "notes.txt", "the user's");
    const CliOutcome r = run({"run", k_cuba, "--duration", "5ms", "--out", "o", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_FALSE(fs::exists(dir_ / "o" / "spikes.b.npy")) << "a file of the batch-8 run stayed";
    EXPECT_EQ(manifest_of(dir_ / "o")["run"]["batch"], 1);
    expect_manifest_lists_exactly_what_is_there(dir_ / "o", {"notes.txt"});
    EXPECT_EQ(slurp(dir_ / "o" / "notes.txt"), "the user's");
}

TEST_F(CliOutputDir, ASecondRunIntoTheSameDirectoryFailsAtOnceNamingTheHoldersPid) {
    CliProcess first({"run", k_cuba, "--duration", "1000s", "--out", "o", "--quiet",
                      "--checkpoint", "c.ckpt", "--checkpoint-every", "50ms"},
                     dir_.path(), capture_.path());
    const fs::path lock = dir_ / "o" / k_output_lock_file;
    ASSERT_TRUE(wait_for([&] { return !slurp(lock).empty(); },
                                          std::chrono::seconds(60)));
    std::string holder = slurp(lock);
    holder.pop_back();  // the newline
    TempDir capture2;
    const auto start = std::chrono::steady_clock::now();
    const CliOutcome second = run_cli(
        {"run", k_cuba, "--duration", "1ms", "--out", "o", "--seed", "2"}, dir_.path(),
        capture2.path());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(second.exit_code, 2) << second;
    EXPECT_NE(second.err.find("in use by another spikegraph run (pid " + holder + ")"),
              std::string::npos) << second;
    EXPECT_LT(seconds, 5.0) << "refused only after building";
    // Stopped once its loop runs (the first checkpoint is there), it ends with its own files.
    ASSERT_TRUE(wait_for([&] { return fs::exists(dir_ / "c.ckpt"); },
                                          std::chrono::seconds(60)));
    first.signal(SIGINT);
    const CliOutcome r = first.wait(std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 130) << r;
    const json manifest = manifest_of(dir_ / "o");
    EXPECT_EQ(manifest["run"]["seed"], 1) << "the second run's files got in";
    expect_manifest_lists_exactly_what_is_there(dir_ / "o");
}

TEST_F(CliOutputDir, AKilledRunLeavesThePreviousCompleteOutputsAndTheNextRunCleansUp) {
    ASSERT_EQ(run({"run", k_cuba, "--duration", "5ms", "--out", "o", "--quiet"}).exit_code, 0);
    const std::string spikes = slurp(dir_ / "o" / "spikes.t.npy");
    const std::string manifest = slurp(dir_ / "o" / "manifest.json");
    {
        CliProcess p({"run", k_cuba, "--duration", "1000s", "--out", "o", "--quiet", "--seed",
                      "3"}, dir_.path(), capture_.path());
        ASSERT_TRUE(wait_for(
            [&] { return !slurp(dir_ / "o" / k_output_lock_file).empty(); },
            std::chrono::seconds(60)));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        p.signal(SIGKILL);
        EXPECT_EQ(p.wait().signal, SIGKILL);
    }
    // The previous run's files are as they were; only temporary files of the dead run are new.
    EXPECT_EQ(slurp(dir_ / "o" / "manifest.json"), manifest);
    EXPECT_EQ(slurp(dir_ / "o" / "spikes.t.npy"), spikes);
    ASSERT_EQ(run({"run", k_cuba, "--duration", "5ms", "--out", "o", "--quiet"}).exit_code, 0);
    expect_manifest_lists_exactly_what_is_there(dir_ / "o");
}

TEST_F(CliOutputDir, AnOutThatIsAFileIsRefusedBeforeTheBuild) {
    write_text(dir_ / "o", "mine");
    const CliOutcome r = run({"run", k_cuba, "--duration", "1ms", "--out", "o"});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find("--out 'o': is a file, not a directory"), std::string::npos) << r;
    EXPECT_EQ(slurp(dir_ / "o"), "mine");
}

TEST_F(CliOutputDir, AnUnusableCheckpointPathIsRefusedBeforeTheRun) {
    fs::create_directories(dir_ / "adir");
    const CliOutcome missing =
        run({"run", k_cuba, "--duration", "1000s", "--out", "o", "--checkpoint", "no/x.ckpt"});
    EXPECT_EQ(missing.exit_code, 2) << missing;
    EXPECT_NE(missing.err.find("--checkpoint 'no/x.ckpt': its directory 'no' does not exist"),
              std::string::npos) << missing;
    const CliOutcome directory =
        run({"run", k_cuba, "--duration", "1000s", "--out", "o", "--checkpoint", "adir"});
    EXPECT_EQ(directory.exit_code, 2) << directory;
    EXPECT_NE(directory.err.find("--checkpoint 'adir': is a directory"), std::string::npos)
        << directory;
    EXPECT_FALSE(fs::exists(dir_ / "o")) << "a refused run created its output directory";
}

// The checkpoint's directory disappears during the run: the next periodic checkpoint fails, and
// the outputs of the steps that ran are still committed, complete, before the error is reported.
TEST_F(CliOutputDir, ALateCheckpointFailureKeepsTheCompletedOutputs) {
    fs::create_directories(dir_ / "ck");
    CliProcess p({"run", k_cuba, "--duration", "1000s", "--out", "o", "--checkpoint", "ck/x.ckpt",
                  "--checkpoint-every", "50ms", "--quiet"}, dir_.path(), capture_.path());
    ASSERT_TRUE(wait_for([&] { return fs::exists(dir_ / "ck" / "x.ckpt"); },
                                          std::chrono::seconds(60)));
    fs::rename(dir_ / "ck", dir_ / "ck-moved");  // atomic, even while a checkpoint is written
    const CliOutcome r = p.wait(std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find("spikegraph: error: cannot write "), std::string::npos) << r;
    EXPECT_NE(r.err.find("'ck/x.ckpt'"), std::string::npos) << r;
    const json manifest = manifest_of(dir_ / "o");
    EXPECT_GT(manifest["run"]["steps"].get<std::int64_t>(), 0);
    for (const auto& f : manifest["files"]) {
        const NpyArray a = read_npy(dir_ / "o" / f["file"].get<std::string>());
        EXPECT_EQ(json(a.shape), f["shape"]);
    }
    expect_manifest_lists_exactly_what_is_there(dir_ / "o");
}

}  // namespace
}  // namespace spikegraph
