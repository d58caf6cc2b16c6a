#include "builder/op_payloads.hpp"

#include <array>

namespace spikegraph {

namespace {

// In the order of OpPayload's alternatives.
constexpr std::array<const char*, std::variant_size_v<OpPayload>> k_payload_names = {
    "none",           "NeuronUpdatePayload", "NeuronResetPayload",  "DeliverPayload",
    "PoissonPayload", "SpikeTimesPayload",   "CurrentPayload",      "SpikeMonitorPayload",
    "StateMonitorPayload", "SynapsePathwayPayload", "SynapseEachPayload"};

}  // namespace

const char* payload_type_name(std::size_t index) noexcept {
    return index < k_payload_names.size() ? k_payload_names[index] : "unknown";
}

}  // namespace spikegraph
