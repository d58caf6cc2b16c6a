"""spikegraph_io: read a spikegraph run's output directory with numpy (docs/python.md).

    import spikegraph_io as sio
    run = sio.load("out/cuba")         # checks manifest.json and the files it lists
    spikes = run["spikes"]             # a SpikeMonitor: spikes.t (ms), spikes.i, spikes.b
    trains = spikes.spike_trains()     # neuron -> its spike times (ms)
    rates = spikes.rates()             # Hz, one per monitored neuron

Figures: ``spikegraph_io.plot`` (matplotlib), also a command line,
``python3 -m spikegraph_io.plot DIR --kind raster -o raster.png``.
A summary of a directory: ``python3 -m spikegraph_io DIR``.
"""

from .reader import (FORMAT, KNOWN_VERSIONS, ManifestError, MissingFileError,
                     NotAnOutputDirectory, NpyFileError, RateMonitor, Run, ShapeMismatchError,
                     SpikegraphIOError, SpikeMonitor, StateMonitor, SynapseState,
                     UnknownNameError, load, to_neo)

__all__ = ["load", "to_neo", "Run", "SpikeMonitor", "RateMonitor", "StateMonitor",
           "SynapseState", "SpikegraphIOError", "NotAnOutputDirectory", "ManifestError",
           "MissingFileError", "NpyFileError", "ShapeMismatchError", "UnknownNameError",
           "FORMAT", "KNOWN_VERSIONS"]
