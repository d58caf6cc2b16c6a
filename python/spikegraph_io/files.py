"""The errors of spikegraph_io and its checked, memory-mapped .npy files (docs/python.md).

Every problem with an output directory raises a :class:`SpikegraphIOError` (a ``ValueError``)
subclass whose message names the directory or file.
"""

import math
import os

import numpy as np

#: The ``format`` field of a spikegraph output manifest.
FORMAT = "spikegraph-output"
#: The manifest versions this reader understands.
KNOWN_VERSIONS = (1, 2)

# Relative tolerance of time windows: a spike stamped k*dt is computed in floating point, so a
# bound "100 ms" must catch the spike of step 1000 at 99.99999999999999 ms as the C++ side does.
_TIME_EPS = 1e-9


# --------------------------------------------------------------------------------------------
# Errors


class SpikegraphIOError(ValueError):
    """A directory, file or request that cannot be read as spikegraph output.

    The message names the directory or file concerned. Subclasses tell the cases apart.
    """


class NotAnOutputDirectory(SpikegraphIOError):
    """The path does not exist, is not a directory, or holds no ``manifest.json``."""


class ManifestError(SpikegraphIOError):
    """``manifest.json`` is not valid JSON, not spikegraph's, of an unknown version, or
    malformed."""


class MissingFileError(SpikegraphIOError):
    """A file the manifest lists is not in the directory."""


class NpyFileError(SpikegraphIOError):
    """A listed file is not a readable ``.npy`` file (garbage, or cut short)."""


class ShapeMismatchError(SpikegraphIOError):
    """A listed ``.npy`` file's shape (or dtype) is not the one the manifest gives."""


class UnknownNameError(SpikegraphIOError, KeyError):
    """An unknown monitor or variable name; the message lists the known ones.

    Also a ``KeyError``, so ``except KeyError`` works as for a dict.
    """

    def __str__(self):
        # KeyError would quote the message; print it as it is.
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------------------------
# One .npy file of the directory


class _NpyFile:
    """A ``.npy`` file the manifest lists: checked when the run is opened, mapped on use."""

    def __init__(self, directory, entry):
        self.entry = entry
        self.path = os.path.join(directory, entry["file"])
        self._array = None
        shape = entry.get("shape")
        self.expected_shape = None if shape is None else tuple(int(n) for n in shape)
        self.expected_dtype = entry.get("dtype")

    def check(self):
        """Reads the header only: the file exists, is an .npy of the manifest's dtype and shape,
        and holds all the bytes that shape needs (a file cut short is caught here)."""
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:
            raise MissingFileError(f"{self.path}: the manifest lists it but it is missing; the "
                                   "directory is incomplete or was changed after the run") \
                from None
        except OSError as e:
            raise NpyFileError(f"{self.path}: cannot be read ({e.strerror})") from None
        with f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f".npy format version {version[0]}.{version[1]}")
            except (ValueError, EOFError, OSError, SyntaxError) as e:
                raise NpyFileError(f"{self.path}: not a readable .npy file ({_one_line(e)}); "
                                   "was it cut short or overwritten?") from None
            data_offset = f.tell()
            size = os.fstat(f.fileno()).st_size
        self._check_shape(tuple(shape), dtype)
        needed = data_offset + math.prod(shape) * dtype.itemsize
        if size < needed:
            raise NpyFileError(f"{self.path}: cut short: it has {size} bytes, its shape "
                               f"{tuple(shape)} needs {needed}; was the run killed while "
                               "writing it?")

    def _check_shape(self, shape, dtype):
        if dtype.hasobject:
            raise NpyFileError(f"{self.path}: holds Python objects, which spikegraph never "
                               "writes; it is not a spikegraph file")
        if self.expected_shape is not None and shape != self.expected_shape:
            raise ShapeMismatchError(f"{self.path}: its shape {shape} is not the manifest's "
                                     f"{self.expected_shape}; the file was changed after the run")
        if self.expected_dtype is not None:
            try:
                expected = np.dtype(self.expected_dtype)
            except TypeError:
                expected = None
            if expected is not None and dtype != expected:
                raise ShapeMismatchError(f"{self.path}: its dtype {dtype} is not the manifest's "
                                         f"{self.expected_dtype}; the file was changed after "
                                         "the run")

    def array(self):
        """The array, memory-mapped read-only (mapped once, on first use)."""
        if self._array is None:
            try:
                mapped = np.load(self.path, mmap_mode="r", allow_pickle=False)
            except FileNotFoundError:
                raise MissingFileError(f"{self.path}: the manifest lists it but it is missing "
                                       "(removed after the run was opened)") from None
            except (ValueError, OSError, EOFError) as e:
                raise NpyFileError(f"{self.path}: not a readable .npy file ({_one_line(e)}); "
                                   "was it cut short or overwritten?") from None
            # The file may have been replaced since check(): check again what was mapped.
            self._check_shape(tuple(mapped.shape), mapped.dtype)
            self._array = np.asarray(mapped)  # a plain ndarray view of the map
        return self._array


def _one_line(error):
    return " ".join(str(error).split())
