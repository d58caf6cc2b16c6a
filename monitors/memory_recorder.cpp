#include "monitors/memory_recorder.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

std::vector<double> SpikeRecord::t_ms(double dt_ms) const {
    std::vector<double> t(step.size());
    for (std::size_t k = 0; k < step.size(); ++k) t[k] = static_cast<double>(step[k]) * dt_ms;
    return t;
}

void SpikeRecorder::note_spikes(const SpikeBlock& block) {
    if (block.batch != counts_.size())
        throw SimulationError(fmt::format("spike recorder: a block of {} batch entries for a "
                                          "batch size of {}",
                                          block.batch, counts_.size()));
    for (std::size_t r = 0; r < block.rows(); ++r)
        counts_[r % block.batch] += static_cast<std::int64_t>(block.count(r));
}

void SpikeRecorder::record_spike_column(std::size_t column, const SpikeBlock& block) {
    for (std::size_t r = 0; r < block.rows(); ++r) {
        const std::size_t n = block.count(r);
        if (column == 0) {
            record_.step.insert(record_.step.end(), n, block.step_of(r));
        } else if (column == 2) {
            record_.batch.insert(record_.batch.end(), n, static_cast<std::int32_t>(r % block.batch));
        }
    }
    if (column == 1) record_.index.insert(record_.index.end(), block.index.begin(), block.index.end());
}

void SpikeRecorder::clear() {
    record_ = {};
    std::fill(counts_.begin(), counts_.end(), 0);
}

StateRecorder::StateRecorder(std::vector<std::string> variables, std::vector<std::int64_t> indices,
                             std::size_t batch)
    : variables_(std::move(variables)), indices_(std::move(indices)), batch_(batch) {
    clear();
}

void StateRecorder::record_state(const StateBlock& block) {
    const std::size_t n = indices_.size();
    if (block.variables != variables_.size() || block.batch != batch_ || block.width != n)
        throw SimulationError(fmt::format(
            "state recorder: a block of {} variables x {} batch entries x {} neurons for one of "
            "{} x {} x {}",
            block.variables, block.batch, block.width, variables_.size(), batch_, n));
    const std::size_t first = record_.step.size();
    record_.step.insert(record_.step.end(), block.steps.begin(), block.steps.end());
    // The block holds rows per (variable, batch entry); the record's layout is [record, batch,
    // neuron] per variable.
    for (std::size_t v = 0; v < variables_.size(); ++v) {
        std::vector<double>& out = record_.values[variables_[v]];
        out.resize(record_.step.size() * batch_ * n);
        for (std::size_t b = 0; b < batch_; ++b) {
            const double* rows = block.rows(v, b);
            for (std::size_t r = 0; r < block.steps.size(); ++r)
                std::copy(rows + r * n, rows + (r + 1) * n,
                          out.begin() + static_cast<std::ptrdiff_t>(((first + r) * batch_ + b) * n));
        }
    }
}

void StateRecorder::clear() {
    record_ = {};
    record_.indices = indices_;
    for (const auto& v : variables_) record_.values[v];
}

}  // namespace spikegraph
