#!/usr/bin/env bash
# The segmentation part of `changwen train` on a real corpus: the same fastText run twice on one fresh cache folder,
# first cold (segments and writes the cache), then warm (reads it back). Prints each run's wall and CPU seconds
# (/usr/bin/time -v) and when its first output line came (the corpus is read, segmented and counted by then); the cold
# run minus the warm one is the time segmentation costs.
# usage: bash bench/train-segmentation.sh CHANGWEN_DLL [CORPUS]   (default corpus: ../shared/data/chinanews)
# e.g.   flock /work/measure.lock bash bench/train-segmentation.sh src/Changwen.Cli/bin/Release/net10.0/changwen.dll
set -euo pipefail
dll="$1"
corpus="${2:-../shared/data/chinanews}"
work=$(mktemp -d /tmp/changwen-train-segmentation.XXXXXX)
trap 'rm -rf "$work"' EXIT
for run in cold warm; do
  echo "== $run cache: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s.%N)
  CHANGWEN_CACHE="$work/cache" /usr/bin/time -v -o "$work/$run.time" \
    dotnet "$dll" train "$corpus" --model fasttext --epochs 1 --out "$work/run-$run" 2>&1 \
    | /usr/bin/python3 -u -c '
import sys, time
start = float(sys.argv[1])
first = True
for line in sys.stdin:
    if first:
        print(f"first output line after {time.time() - start:.2f} s (corpus read, segmented, counted)")
        first = False
    if line.startswith(("epoch", "test accuracy", "best val")):
        print(f"  {time.time() - start:7.2f} s  {line.rstrip()}")
' "$start"
  grep -E "Elapsed|User time|System time|Maximum resident" "$work/$run.time" | sed 's/^\s*/  /'
done
