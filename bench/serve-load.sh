#!/usr/bin/env bash
# Serving benchmark: starts `changwen serve` on loopback, runs the serve-load client against it, stops the server with
# SIGTERM (graceful shutdown) and prints its exit code. Figures go in docs/benchmarks.md.
#   bench/serve-load.sh RUN_DIR [PORT] [extra serve-load args, e.g. --rss-requests 100000 --seconds 20]
#   RUNTIME=onnx bench/serve-load.sh EXPORT_DIR ...   serves a folder written by `changwen export --format onnx`
#   through ONNX Runtime (`serve --runtime onnx`); THREADS (default 1) is --threads for either runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: [RUNTIME=libtorch|onnx] bench/serve-load.sh RUN_DIR|EXPORT_DIR [PORT] [serve-load args]}
port=${2:-5099}
shift $(( $# >= 2 ? 2 : 1 ))
dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/Changwen.Bench -c Release -v quiet -nologo >/dev/null
log=$(mktemp)
src/Changwen.Cli/bin/Release/net10.0/changwen serve "$model" --urls "http://127.0.0.1:$port" --threads "${THREADS:-1}" --runtime "${RUNTIME:-libtorch}" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
grep '^serving' "$log"
status=0
dotnet bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench.dll serve-load --url "http://127.0.0.1:$port" \
  --vocab "$model/vocab.tsv" --pid "$server" "$@" || status=$?
kill -TERM "$server"
wait "$server" && echo "server stopped on SIGTERM, exit code 0" || echo "server exit code $?"
trap - EXIT
rm -f "$log"
exit "$status"
