"""Reading a spikegraph run's output directory (docs/outputs.md) into numpy arrays.

``load(DIR)`` reads ``DIR/manifest.json``, checks every file it lists (present, a readable
``.npy`` whose header agrees with the manifest's dtype and shape, not cut short) and returns a
:class:`Run`. ``Run.monitors`` maps each monitor's name to an object holding its arrays, with
the units and axes the manifest gives:

- :class:`SpikeMonitor` (kind ``spike``): ``t`` (ms), ``i`` (index in the group), ``b``;
- :class:`RateMonitor` (kind ``rate``): ``t`` (bin starts, ms), ``rate`` (Hz);
- :class:`StateMonitor` (kind ``state``, of neurons or of synapses): ``t``, ``index``,
  ``values[var]`` (and ``pre``/``post`` for synapses);
- :class:`SynapseState` (kind ``synapse_state``): ``values[var]``, ``pre``, ``post``.

The data are memory-mapped (``numpy.load(mmap_mode="r")``) on first use, so opening a
directory of 10^8 spikes only reads its headers. Arrays handed out are read-only views of the
files; copy one (``np.array(a)``) to change it.

Only numpy is needed. :func:`to_neo` needs python3-neo, imported when it is called.
Manifests of version 1 are read too: their spike indices, relative to the monitored slice,
are converted to indices in the group.

Every problem with the directory raises a :class:`SpikegraphIOError` (a ``ValueError``)
subclass whose message names the directory or file.
"""

import json
import os

from .files import (FORMAT, KNOWN_VERSIONS, ManifestError, MissingFileError,  # noqa: F401
                    NotAnOutputDirectory, NpyFileError, ShapeMismatchError, SpikegraphIOError,
                    UnknownNameError, _one_line)
from .monitors import (_KINDS, RateMonitor, SpikeMonitor, StateMonitor,  # noqa: F401
                       SynapseState)
from .neo_export import to_neo  # noqa: F401

# The reader's names, wherever they are defined (files.py, monitors.py, neo_export.py).
__all__ = ["FORMAT", "KNOWN_VERSIONS", "ManifestError", "MissingFileError",
           "NotAnOutputDirectory", "NpyFileError", "ShapeMismatchError", "SpikegraphIOError",
           "UnknownNameError", "RateMonitor", "SpikeMonitor", "StateMonitor", "SynapseState",
           "Run", "load", "to_neo"]


# --------------------------------------------------------------------------------------------
# The run


class Run:
    """A run's output directory.

    Attributes: ``path``, ``manifest_path``, ``manifest`` (the whole JSON), ``version``,
    ``run`` (the manifest's run description), ``dt_ms``, ``batch``, ``start_ms``, ``t_end_ms``,
    ``duration_ms``, ``monitors`` (name -> monitor, in manifest order), ``stats`` (stats.json,
    or None). ``run["name"]`` is ``run.monitors["name"]`` with an error listing the names.

    Entries of a kind this reader does not know are left out of ``monitors``.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.manifest_path = os.path.join(self.path, "manifest.json")
        if not os.path.exists(self.path):
            raise NotAnOutputDirectory(f"{self.path}: no such directory")
        if not os.path.isdir(self.path):
            raise NotAnOutputDirectory(f"{self.path}: not a directory; give the --out "
                                       "directory of a spikegraph run")
        if not os.path.isfile(self.manifest_path):
            raise NotAnOutputDirectory(f"no manifest.json in {self.path}: is it the --out "
                                       "directory of a spikegraph run? (a run still going, or "
                                       "killed before it finished, has written none)")
        manifest = self._read_manifest()
        self.manifest = manifest
        self.version = manifest["version"]
        run = manifest.get("run", {})
        if not isinstance(run, dict):
            raise ManifestError(f"{self.manifest_path}: \"run\" is not an object")
        self.run = run
        try:
            self.dt_ms = float(run.get("dt_ms", 0.0))
            self.batch = int(run.get("batch", 1))
            self.start_ms = float(run.get("start_ms", 0.0))
            self.duration_ms = float(run.get("duration_ms", 0.0))
            end = run.get("t_end_ms")
            self.t_end_ms = self.start_ms + self.duration_ms if end is None else float(end)
        except (TypeError, ValueError) as e:
            raise ManifestError(f"{self.manifest_path}: a \"run\" field is not a number "
                                f"({_one_line(e)})") from None
        self.monitors = {}
        for name, entries in self._group_entries(manifest).items():
            kinds = {e.get("kind") for e in entries.values()}
            if len(kinds) != 1:
                raise ManifestError(f"{self.manifest_path}: the files of '{name}' have several "
                                    f"kinds ({', '.join(sorted(map(str, kinds)))})")
            cls = _KINDS.get(kinds.pop())
            if cls is not None:  # a kind of a newer spikegraph: left out
                self.monitors[name] = cls(self, name, entries)
        self._stats = None

    def _read_manifest(self):
        try:
            with open(self.manifest_path, encoding="utf-8") as f:
                manifest = json.load(f)
        except (ValueError, UnicodeDecodeError) as e:
            raise ManifestError(f"{self.manifest_path}: not valid JSON ({_one_line(e)})") \
                from None
        except OSError as e:
            raise ManifestError(f"{self.manifest_path}: cannot be read ({e.strerror})") \
                from None
        found = manifest.get("format") if isinstance(manifest, dict) else None
        if found != FORMAT:
            raise ManifestError(f"{self.manifest_path}: not a spikegraph output manifest (its "
                                f"\"format\" is {json.dumps(found)}, not \"{FORMAT}\")")
        version = manifest.get("version")
        if type(version) is not int or version not in KNOWN_VERSIONS:
            raise ManifestError(f"{self.manifest_path}: manifest version {json.dumps(version)} "
                                "is not known to this reader, which reads versions "
                                f"{' and '.join(map(str, KNOWN_VERSIONS))}; use the "
                                "spikegraph_io of the spikegraph that wrote it")
        return manifest

    def _group_entries(self, manifest):
        """monitor name -> {variable: entry}, checking each entry's fields."""
        files = manifest.get("files")
        if not isinstance(files, list):
            raise ManifestError(f"{self.manifest_path}: \"files\" is not a list")
        grouped = {}
        for k, entry in enumerate(files):
            if not isinstance(entry, dict):
                raise ManifestError(f"{self.manifest_path}: files[{k}] is not an object")
            for key in ("file", "monitor", "kind", "variable"):
                if not isinstance(entry.get(key), str) or not entry[key]:
                    raise ManifestError(f"{self.manifest_path}: files[{k}] has no \"{key}\"")
            name = entry["file"]
            if os.path.basename(name) != name or name in (".", ".."):
                raise ManifestError(f"{self.manifest_path}: files[{k}] \"{name}\" is not a "
                                    "file name in the directory")
            variables = grouped.setdefault(entry["monitor"], {})
            if entry["variable"] in variables:
                raise ManifestError(f"{self.manifest_path}: '{entry['monitor']}' lists "
                                    f"'{entry['variable']}' twice")
            variables[entry["variable"]] = entry
        return grouped

    @property
    def stats(self):
        """stats.json as a dict (None when the directory has none)."""
        if self._stats is None:
            path = os.path.join(self.path, "stats.json")
            if not os.path.isfile(path):
                return None
            try:
                with open(path, encoding="utf-8") as f:
                    self._stats = json.load(f)
            except (ValueError, UnicodeDecodeError) as e:
                raise SpikegraphIOError(f"{path}: not valid JSON ({_one_line(e)})") from None
        return self._stats

    def __getitem__(self, name):
        try:
            return self.monitors[name]
        except KeyError:
            names = ", ".join(self.monitors) or "none"
            raise UnknownNameError(f"{self.manifest_path}: no monitor '{name}'; the monitors "
                                   f"are: {names}") from None

    def __contains__(self, name):
        return name in self.monitors

    def __iter__(self):
        return iter(self.monitors)

    def __repr__(self):
        return f"<Run {self.path}: {', '.join(self.monitors) or 'no monitor'}>"


def load(path):
    """Opens the output directory ``path`` of a spikegraph run and returns a :class:`Run`.

    Checks the manifest and every file it lists (headers only; data are mapped on use).
    Raises a :class:`SpikegraphIOError` subclass naming the directory or file when something
    is wrong.
    """
    return Run(path)
