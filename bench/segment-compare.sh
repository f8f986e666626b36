#!/usr/bin/env bash
# Segmentation throughput: jieba.NET and Changwen's WordSegmenter on 1 and 2 threads (bench segment-compare), then
# Python jieba on every core (bench/python-jieba.py, Debian's python3-jieba), on the same file.
# usage: bash bench/segment-compare.sh [FILE.tsv.gz]   (default: ../shared/data/chinanews/train.tsv.gz)
# Timed runs on the shared machine: flock /work/measure.lock bash bench/segment-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-../shared/data/chinanews/train.tsv.gz}"
if ! /usr/bin/python3 -c "import jieba" 2>/dev/null; then
  echo "Python jieba is missing: apt-get install python3-jieba" >&2
  exit 2
fi
dotnet build bench/Changwen.Bench -c Release -v q -nologo >/dev/null
uptime
dotnet bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench.dll segment-compare "$file"
/usr/bin/python3 bench/python-jieba.py "$file"
uptime
