#pragma once
// The checkpoint file: a StateSnapshot on disk, versioned, checksummed, tied to the structure
// of the network that wrote it, and written atomically (temporary file, fsync, rename), so a
// crash during the write leaves the previous checkpoint in place.
//
// Layout (integers little-endian):
//   0  magic "SGCKPT\r\n" (8 bytes)     32 structure hash (FNV-1a 64 of the structure JSON)
//   8  format version (u32)             40 payload checksum (FNV-1a 64 of meta + data)
//  12  header size, 64 (u32)            48 header checksum (FNV-1a 64 of bytes 0..47)
//  16  meta size in bytes (u64)         56 reserved, 0
//  24  data size in bytes (u64)
//  64  meta: JSON text: the structure (readable, for messages), step, t, synaptic events and
//      one entry per variable (name, dtype, shape, offset and size of its bytes in data)
//  64 + meta size: data: the variables' bytes, back to back

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/plan.hpp"
#include "core/hash.hpp"
#include "simulator/state_snapshot.hpp"

namespace spikegraph {

inline constexpr std::uint32_t k_checkpoint_version = 1;

/// What must be the same for a checkpoint to apply to a plan: dt, batch, seed, precision, every
/// variable's name, dtype, shape and role, and every op's name and kind in execution order.
/// Parameter values and threads are not part of it.
nlohmann::json plan_structure(const Plan& plan);

/// FNV-1a 64 of the structure's canonical JSON text.
std::uint64_t structure_hash(const nlohmann::json& structure);

/// One sentence per difference between the structure in a checkpoint (`was`) and here (`now`),
/// e.g. "variable 'neurons.v' has shape [1, 4000] in the checkpoint and [1, 100] here".
std::vector<std::string> structure_differences(const nlohmann::json& was,
                                               const nlohmann::json& now);

/// Why a checkpoint cannot be written to `path` ("is a directory", "its directory 'd' does not
/// exist", ...), or "" when it can. Creates and changes nothing: the command-line program asks
/// before the run, so that an unusable path fails at once and not after the whole run.
std::string checkpoint_path_problem(const std::filesystem::path& path);

/// Writes `snapshot` of a simulation of `plan` to `path` atomically.
/// @throws IoError naming the path and the reason; the previous file is then left as it was.
/// `run_end_step` (when >= 0): the step the run that writes it was to end at, so that a resume
/// can continue to there.
void write_checkpoint(const std::filesystem::path& path, const Plan& plan,
                      const StateSnapshot& snapshot, std::int64_t run_end_step = -1);

/// What a checkpoint says of itself, read without its data: for the command line, which needs
/// the seed and the run's end before it builds the network.
struct CheckpointInfo {
    std::int64_t step = 0;
    double t_ms = 0;
    std::uint64_t seed = 0;
    double dt_ms = 0;
    std::optional<std::int64_t> run_end_step;  // absent in checkpoints of older versions
};

/// @throws IoError as read_checkpoint, for the header and the description.
CheckpointInfo read_checkpoint_info(const std::filesystem::path& path);

/// Reads a checkpoint and checks it against `plan`.
/// @throws IoError when the file cannot be read, is not a checkpoint, has another format
/// version, or is truncated or corrupted; SimulationError when it was written by a network of a
/// different structure (the message lists what differs).
StateSnapshot read_checkpoint(const std::filesystem::path& path, const Plan& plan);

}  // namespace spikegraph
