#!/usr/bin/env bash
# Sharded scoring: the text column of a label<TAB>text .tsv.gz corpus goes to a temporary file in /tmp (never into the
# repository, deleted on exit); it is scored by one `changwen predict --file --out` and by N concurrent processes with
# `--shard i/N`, wall time of each; the N outputs concatenated are compared with the single one (cmp). Then the cost of
# finding a part: the last of 10,000 shards of the input repeated to ~600 MB (counts the line breaks of nearly all of
# it, scores nothing) against the same shard of an empty file (start and model load only).
#   bench/shard-score.sh RUN_DIR DATA.tsv.gz [N=3] [extra predict flags, default --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/shard-score.sh RUN_DIR DATA.tsv.gz [N] [predict flags]"
model=${1:?$usage}; data=${2:?$usage}; n=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
flags=("$@"); [ ${#flags[@]} -eq 0 ] && flags=(--threads 1)
dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
cli=src/Changwen.Cli/bin/Release/net10.0/changwen
work=$(mktemp -d /tmp/changwen-shard-score.XXXXXX)
trap 'rm -rf "$work"' EXIT
export CHANGWEN_CACHE="$work/cache"
zcat "$data" | cut -f2- > "$work/in.txt"
echo "input: $(wc -l < "$work/in.txt") lines, $(du -m "$work/in.txt" | cut -f1) MB (text column of $data); flags: ${flags[*]}"
echo "load average at start: $(cat /proc/loadavg)"
# seconds LOG COMMAND...: runs COMMAND with its standard output into LOG, prints the wall time
seconds() { local log=$1 s=$(date +%s.%N); shift; "$@" > "$log"; echo "$(date +%s.%N) - $s" | bc; }
one=$(seconds "$work/whole.log" "$cli" predict "$model" --file "$work/in.txt" --out "$work/whole.jsonl" "${flags[@]}")
echo "1 process: ${one} s wall; $(tail -1 "$work/whole.log")"
shards() { for i in $(seq 0 $((n-1))); do "$cli" predict "$model" --file "$work/in.txt" --out "$work/part-$i.jsonl" --shard "$i/$n" "${flags[@]}" > "$work/part-$i.log" & done; wait; }
many=$(seconds /dev/null shards)
echo "$n processes: ${many} s wall"
for i in $(seq 0 $((n-1))); do echo "  $(tail -1 "$work/part-$i.log")"; done
for i in $(seq 0 $((n-1))); do cat "$work/part-$i.jsonl"; done > "$work/merged.jsonl"
cmp "$work/whole.jsonl" "$work/merged.jsonl" && echo "concatenation == single run ($(wc -l < "$work/whole.jsonl") records, $(wc -c < "$work/whole.jsonl") bytes)"
copies=$(( 600000000 / $(wc -c < "$work/in.txt") + 1 ))
for _ in $(seq "$copies"); do cat "$work/in.txt"; done > "$work/big.txt"
: > "$work/empty.txt"
cat "$work/big.txt" > /dev/null   # page cache warm
echo "range cost: big.txt is $(du -m "$work/big.txt" | cut -f1) MB, $(wc -l < "$work/big.txt") lines"
for f in empty big empty big; do
  echo "  $f.txt --shard 9999/10000: $(seconds /dev/null "$cli" predict "$model" --file "$work/$f.txt" --out "$work/$f.jsonl" --shard 9999/10000 "${flags[@]}") s wall"
done
echo "load average at end: $(cat /proc/loadavg)"
