#pragma once
// Hands records to a RecordSink the way a backend does, in blocks of consecutive steps of a size
// the test chooses: what the monitor tests feed their monitors with.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/record_sink.hpp"

namespace spikegraph::testing_support {

/// Gathers spikes step by step and hands them over every `block_steps` steps and on flush().
class SpikeFeeder {
public:
    SpikeFeeder(RecordSink& sink, std::size_t batch, std::size_t block_steps = 1)
        : sink_(sink), buffer_(batch), block_steps_(block_steps) {}

    /// The spikes of step `step` (the one after the last fed), one row of indices within the
    /// slice per batch entry.
    void step(std::int64_t step, const std::vector<std::vector<std::int32_t>>& rows) {
        buffer_.begin_step(step);
        for (const auto& r : rows) buffer_.add_row(r.data(), r.size(), 0);
        if (buffer_.steps() >= block_steps_) flush();
    }

    void flush() {
        if (buffer_.steps() == 0) return;
        sink_.record_spikes(buffer_.view());
        buffer_.clear();
    }

private:
    RecordSink& sink_;
    SpikeBlockBuffer buffer_;
    std::size_t block_steps_;
};

/// Gathers state records and hands them over every `block_records` records and on flush().
class StateFeeder {
public:
    StateFeeder(RecordSink& sink, std::size_t variables, std::size_t batch, std::size_t width,
                std::size_t block_records = 1)
        : sink_(sink), buffer_(variables, batch, width, block_records), variables_(variables),
          batch_(batch), width_(width) {}

    /// A record at `step`: value(v, b, k) for variable v, batch entry b, recorded neuron k.
    template <class Value>
    void record(std::int64_t step, Value&& value) {
        buffer_.begin_record(step);
        for (std::size_t v = 0; v < variables_; ++v)
            for (std::size_t b = 0; b < batch_; ++b)
                for (std::size_t k = 0; k < width_; ++k) buffer_.row(v, b)[k] = value(v, b, k);
        if (buffer_.full()) flush();
    }

    void flush() {
        if (buffer_.records() == 0) return;
        sink_.record_state(buffer_.view());
        buffer_.clear();
    }

private:
    RecordSink& sink_;
    StateBlockBuffer buffer_;
    std::size_t variables_, batch_, width_;
};

}  // namespace spikegraph::testing_support
