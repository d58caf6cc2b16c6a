#pragma once
// What a backend hands the monitors: blocks of consecutive steps, so that a device backend
// gathers records where it runs and copies them to the host every N steps instead of every step
// (GeNN's recording buffers do the same). A block is a view: the backend owns the memory, and the
// view is valid only during the RecordSink call that receives it. The buffers below build blocks
// on the host; a CPU backend fills them step by step, a device backend copies into them.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/assert.hpp"

namespace spikegraph {

/// The spikes of a monitored slice in steps [first_step, first_step + steps), every batch entry.
/// Spikes are grouped in rows, one per (step, batch entry), row r = s * batch + b for step
/// first_step + s; row r's spikes are index[offsets[r] .. offsets[r + 1]), ascending indices
/// within the slice. A spike of step k is stamped t_k = k * dt.
struct SpikeBlock {
    std::int64_t first_step = 0;
    std::size_t steps = 0;  // may include steps without spikes
    std::size_t batch = 1;
    std::span<const std::size_t> offsets;  // steps * batch + 1 entries, offsets[0] == 0
    std::span<const std::int32_t> index;   // every spike of the block, row after row

    std::size_t rows() const { return steps * batch; }
    std::size_t spikes() const { return index.size(); }
    std::size_t count(std::size_t row) const { return offsets[row + 1] - offsets[row]; }
    std::int64_t step_of(std::size_t row) const {
        return first_step + static_cast<std::int64_t>(row / batch);
    }
};

/// Recorded values of a state monitor: for each variable v and batch entry b, one row of `width`
/// values per record step, rows(v, b) pointing at steps.size() consecutive rows.
struct StateBlock {
    std::span<const std::int64_t> steps;  // record steps, ascending; values at t_k = k * dt
    std::size_t variables = 0, batch = 1, width = 0;
    const double* values = nullptr;  // [variables][batch][row_capacity][width]
    std::size_t row_capacity = 0;    // rows reserved per (v, b); >= steps.size()

    const double* rows(std::size_t v, std::size_t b) const {
        return values + (v * batch + b) * row_capacity * width;
    }
};

/// Gathers spikes step by step into a SpikeBlock. Grows to the largest block seen, then no more.
class SpikeBlockBuffer {
public:
    explicit SpikeBlockBuffer(std::size_t batch = 1) : batch_(batch) { offsets_.push_back(0); }

    /// Opens step `step`: the block's first, or the one after the last (a block is consecutive
    /// steps; hand it over and clear it where the sequence breaks).
    void begin_step(std::int64_t step) {
        if (steps_ == 0) first_step_ = step;
        SPIKEGRAPH_ASSERT(step == first_step_ + static_cast<std::int64_t>(steps_));
        ++steps_;
    }
    /// Appends the spikes of the next batch entry of the open step: its row, in batch order.
    /// `base` is subtracted from each index (the slice's first neuron).
    void add_row(const std::int32_t* index, std::size_t count, std::int32_t base) {
        const std::size_t at = index_.size();
        index_.resize(at + count);
        for (std::size_t k = 0; k < count; ++k) index_[at + k] = index[k] - base;
        offsets_.push_back(index_.size());
    }
    void clear() {
        steps_ = 0;
        index_.clear();
        offsets_.resize(1);
    }

    std::size_t steps() const { return steps_; }
    std::size_t spikes() const { return index_.size(); }
    std::size_t batch() const { return batch_; }
    SpikeBlock view() const { return {first_step_, steps_, batch_, offsets_, index_}; }

private:
    std::size_t batch_;
    std::int64_t first_step_ = 0;
    std::size_t steps_ = 0;
    std::vector<std::size_t> offsets_;
    std::vector<std::int32_t> index_;
};

/// Gathers state rows into a StateBlock of at most `row_capacity` records, allocated once.
class StateBlockBuffer {
public:
    StateBlockBuffer(std::size_t variables, std::size_t batch, std::size_t width,
                     std::size_t row_capacity)
        : variables_(variables), batch_(batch), width_(width),
          capacity_(row_capacity < 1 ? 1 : row_capacity),
          values_(variables * batch * capacity_ * width) {
        steps_.reserve(capacity_);
    }

    /// Opens a record for step `step`; full() must be false.
    void begin_record(std::int64_t step) { steps_.push_back(step); }
    /// Where the open record's `width` values of variable v, batch entry b go.
    double* row(std::size_t v, std::size_t b) {
        return values_.data() + ((v * batch_ + b) * capacity_ + steps_.size() - 1) * width_;
    }
    void clear() { steps_.clear(); }

    bool full() const { return steps_.size() == capacity_; }
    std::size_t records() const { return steps_.size(); }
    StateBlock view() const {
        return {steps_, variables_, batch_, width_, values_.data(), capacity_};
    }

private:
    std::size_t variables_, batch_, width_, capacity_;
    std::vector<std::int64_t> steps_;
    std::vector<double> values_;
};

}  // namespace spikegraph
