// The options of `spikegraph inspect` (issue 16), shared by the statistics table
// (apps/inspect_command.cpp) and the plots (apps/inspect_plot.cpp).

#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace spikegraph::app {

struct InspectArgs {
    std::string dir;                    // a run's output directory (holds manifest.json)
    std::vector<std::string> monitors;  // --monitor NAME, repeatable; empty: every monitor
    std::string from, to;               // --from/--to: time window, e.g. 100ms, 1.5s; empty: all
    std::string bin;                    // --bin: count bin for Fano factor, synchrony, rates
    std::string neurons;                // --neurons: subset, e.g. 0:100 or 3,5,9; empty: all
    std::string batch;                  // --batch: batch entries, e.g. 0 or 0:4; empty: all
    bool json = false;                  // --json: machine-readable statistics on stdout
    std::string plot;                   // --plot raster|rate|trace|isi|weights; empty: table
    std::string output;                 // -o FILE.png|svg|pdf for --plot
    std::vector<std::string> variables; // --var VAR (trace plots), repeatable
};

// Registers the options on the `inspect` subcommand.
inline void add_inspect_options(CLI::App* cmd, InspectArgs& a) {
    cmd->add_option("dir", a.dir, "output directory of a run (holds manifest.json)")->required();
    cmd->add_option("--monitor", a.monitors, "only this monitor (repeatable)");
    cmd->add_option("--from", a.from, "start of the time window, e.g. 100ms");
    cmd->add_option("--to", a.to, "end of the time window, e.g. 1s");
    cmd->add_option("--bin", a.bin, "count bin for Fano factor, synchrony and rates (default 10ms)");
    cmd->add_option("--neurons", a.neurons, "neuron subset, e.g. 0:100 or 3,5,9 (indices in the group)");
    cmd->add_option("--batch", a.batch, "batch entries, e.g. 0 or 0:4");
    cmd->add_flag("--json", a.json, "statistics as JSON on stdout");
    cmd->add_option("--plot", a.plot, "raster, rate, trace, isi or weights")
        ->check(CLI::IsMember({"raster", "rate", "trace", "isi", "weights"}));
    cmd->add_option("-o,--output", a.output, "figure file for --plot (.png, .svg or .pdf)");
    cmd->add_option("--var", a.variables, "variable to plot with --plot trace (repeatable)");
}

}  // namespace spikegraph::app
