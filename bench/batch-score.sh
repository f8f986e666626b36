#!/usr/bin/env bash
# Streaming batch scoring benchmark: converts a label<TAB>text .tsv.gz corpus to a temporary jsonl in /tmp (never into
# the repository), scores it with `changwen predict MODEL --file in.jsonl --out out.jsonl`, and reports documents per
# second, peak RSS (/usr/bin/time -v) and the RSS every 5 s (flat memory means bounded chunks, not the whole file).
#   bench/batch-score.sh RUN_DIR DATA.tsv.gz [extra predict flags, e.g. --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench/batch-score.sh RUN_DIR DATA.tsv.gz [predict flags]}
data=${2:?usage: bench/batch-score.sh RUN_DIR DATA.tsv.gz [predict flags]}
shift 2
dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d /tmp/changwen-batch-score.XXXXXX)
trap 'rm -rf "$work"' EXIT
zcat "$data" | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin, 1):
    label, _, text = line.rstrip("\n").partition("\t")
    print(json.dumps({"id": i, "text": text}, ensure_ascii=False))
' > "$work/in.jsonl"
echo "input: $(wc -l < "$work/in.jsonl") lines, $(du -m "$work/in.jsonl" | cut -f1) MB of jsonl (from $data)"
echo "load average at start: $(cat /proc/loadavg)"
/usr/bin/time -v -o "$work/time.txt" src/Changwen.Cli/bin/Release/net10.0/changwen predict "$model" \
  --file "$work/in.jsonl" --out "$work/out.jsonl" "$@" > "$work/stdout.txt" 2> "$work/stderr.txt" &
timer=$!
sleep 1
pid=$(pgrep -P "$timer" | head -1 || true)
: > "$work/rss.txt"
while kill -0 "$timer" 2>/dev/null; do
  [ -n "$pid" ] && awk -v t="$SECONDS" '/VmRSS/ {printf "%d s: %.0f MB\n", t, $2/1024}' "/proc/$pid/status" >> "$work/rss.txt" 2>/dev/null || true
  sleep 5
done
wait "$timer"
echo "load average at end: $(cat /proc/loadavg)"
tail -1 "$work/stdout.txt"
echo "warnings: $(wc -l < "$work/stderr.txt")"
echo "output: $(wc -l < "$work/out.jsonl") records"
grep -E "Maximum resident set size|Elapsed \(wall clock\)|Percent of CPU" "$work/time.txt"
echo "RSS every 5 s: $(paste -sd ' ' < "$work/rss.txt" | sed 's/ MB /, /g')"
