#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/testing.md), one after another.
#
#   scripts/fuzz.sh [options] [TARGET...]     (default: every target)
#
#   --build DIR     build directory configured with -DSPIKEGRAPH_FUZZ=ON (default: build-fuzz)
#   --time SECONDS  fuzzing time per target (default: 30)
#   --work DIR      where each target's growing corpus and crash files go, DIR/<target>
#                   (default: a temporary directory, removed at the end)
#   --keep-going    do not stop at the first crash, timeout or out-of-memory: record it and go on
#                   (libFuzzer's fork mode with one job); for long runs
#
# Each target first replays fuzz/regressions/<target>/ (inputs that once crashed), then fuzzes
# from fuzz/corpus/<target>/ (read only) plus its work corpus. An input that takes longer than
# 10 s or makes the process use more than 2 GB counts as a failure, like a crash. The exit
# status is 1 when any target failed; the crash inputs are left under the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
seconds=30
work=""
keep_going=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --time) seconds="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_yaml_loader fuzz_set_override fuzz_equations fuzz_expression fuzz_checkpoint)
fi
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz.sh: $bin is missing: cmake --build $build --target fuzz_all" >&2
    exit 2
  fi
  mkdir -p "$work/$t/corpus" "$work/$t/crashes"
  common=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/$t/crashes/")
  dict="fuzz/$t.dict"
  case "$t" in fuzz_yaml_loader|fuzz_set_override) dict=fuzz/yaml_loader.dict ;; esac
  [ -f "$dict" ] && common+=(-dict="$dict")
  regressions=(fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $t: replaying ${#regressions[@]} regression input(s)"
    if ! "$bin" "${common[@]}" "${regressions[@]}"; then failed+=("$t (regression)"); continue; fi
  fi
  echo "== $t: fuzzing for $seconds s"
  mode=()
  [ "$keep_going" -eq 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  if ! "$bin" "${common[@]}" "${mode[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      "$work/$t/corpus" "fuzz/corpus/$t"; then
    failed+=("$t")
  fi
  # crash-, leak-, timeout- and oom- files are failures; a slow-unit- file (the slowest input
  # so far, over 10 s on a loaded machine) is not.
  if [ -n "$(ls "$work/$t/crashes" | grep -v '^slow-unit-')" ]; then
    echo "== $t: failing inputs in $work/$t/crashes:"; ls "$work/$t/crashes"
    [[ " ${failed[*]} " == *" $t "* ]] || failed+=("$t")
    trap - EXIT  # keep them
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: every target ran clean"
