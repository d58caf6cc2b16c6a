#!/usr/bin/env bash
# Generates the example figures of docs/inspection.md from a fresh CUBA run, through
# `spikegraph inspect --plot` (so the figures are exactly what a user gets), and checks that each
# is a non-empty PNG. ctest runs it as `docs_figures` (into the build tree); run it by hand with
# --out docs/images to refresh the committed images.
#
#   scripts/docs_figures.sh [--build BUILD_DIR] [--out FIGURE_DIR]
# Exit status 77 (ctest: skipped) when /usr/bin/python3 has no matplotlib.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
out=docs/images
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "docs_figures.sh: unknown option $1 (use --build DIR, --out DIR)" >&2; exit 2 ;;
  esac
done
if ! /usr/bin/python3 -c 'import matplotlib, numpy' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 has no matplotlib (apt-get install python3-matplotlib)"
  exit 77
fi
spikegraph="$build/spikegraph"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# CUBA (configs/cuba.yaml) for 1 s, with a population rate and a voltage trace of 3 neurons.
# configs/cuba.yaml ends with its monitors section: the two monitors are appended to it.
{ cat configs/cuba.yaml
  echo "  rate: {type: rate, group: neurons, bin: 1 ms}"
  echo "  trace: {type: state, group: neurons, variables: [v], indices: [0, 1, 2]}"
} > "$work/cuba.yaml"
"$spikegraph" run "$work/cuba.yaml" --quiet --out "$work/cuba"
mkdir -p "$out"
"$spikegraph" inspect "$work/cuba" --plot raster --monitor spikes --neurons 0:400 -o "$out/cuba_raster.png"
"$spikegraph" inspect "$work/cuba" --plot rate --monitor rate -o "$out/cuba_rate.png"
"$spikegraph" inspect "$work/cuba" --plot trace --monitor trace --var v --to 200ms -o "$out/cuba_trace.png"
"$spikegraph" inspect "$work/cuba" --plot isi --monitor spikes -o "$out/cuba_isi.png"
for f in cuba_raster cuba_rate cuba_trace cuba_isi; do
  png="$out/$f.png"
  size=$(stat -c %s "$png")
  magic=$(head -c 4 "$png" | tail -c 3)
  if [ "$size" -lt 5000 ] || [ "$magic" != "PNG" ]; then
    echo "docs_figures.sh: $png is not a PNG with content ($size bytes)" >&2
    exit 1
  fi
  echo "$png: $size bytes"
done
