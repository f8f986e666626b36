#!/usr/bin/env bash
# Peak memory by phase (docs/benchmarks.md, "Memory at scale"): runs a command under /usr/bin/time -v and writes, every
# SAMPLE_EVERY seconds (default 2), its resident size and the last line of its output to OUTDIR/rss, so the phase in
# which the peak is reached can be read off.
#   SAMPLE_EVERY=0.1 bench/sample-rss.sh OUTDIR changwen train ...
# OUTDIR/time holds /usr/bin/time's report, OUTDIR/log the command's output.
set -u
out=$1; shift
mkdir -p "$out"
/usr/bin/time -v -o "$out/time" "$@" > "$out/log" 2>&1 &
tpid=$!
sleep 0.5
pid=$(pgrep -P $tpid | head -1)
while kill -0 $tpid 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status 2>/dev/null)
  echo "$(date +%T.%N | cut -c1-11) ${rss:-?} MB | $(tail -c 300 "$out/log" | tr '\r' '\n' | grep -v '^$' | tail -1)" >> "$out/rss"
  sleep "${SAMPLE_EVERY:-2}"
done
wait $tpid; echo "rc $?" >> "$out/rss"
