#!/usr/bin/env bash
# ONNX export, checked and measured (issue 24): for each run folder, exports it with `changwen export --format onnx`
# into a fresh folder under /tmp, checks model.onnx with the independent onnx.checker (Debian's python3-onnx: a
# measuring instrument, not a dependency of Changwen), then scores the same N real documents with libtorch and ONNX
# Runtime (bench onnx-parity: max |Δprob|, argmax disagreements, docs/s at batch 1 and 64).
#   bench/onnx-parity.sh CORPUS RUN_DIR... [-- onnx-parity flags, e.g. --docs 1000 --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?usage: bench/onnx-parity.sh CORPUS RUN_DIR... [-- --docs N --threads K]}
shift
runs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do runs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/Changwen.Bench -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d /tmp/changwen-onnx-parity.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for run in "${runs[@]}"; do
  out="$work/$(basename "$run")"
  dotnet src/Changwen.Cli/bin/Release/net10.0/changwen.dll export "$run" --format onnx --out "$out"
  /usr/bin/python3 -c "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('onnx.checker (onnx', onnx.__version__ + '): valid, opset', m.opset_import[0].version, 'IR', m.ir_version)" "$out/model.onnx"
  dotnet bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench.dll onnx-parity "$run" "$out" "$corpus" "$@" || status=1
done
exit $status
