#!/usr/bin/env bash
# End to end against PyTorch (issue 8): read, segment, build the vocabulary, train the post's MergeNet at 500 words
# for 3 epochs with validation after each, and score the test split — `changwen train` against
# bench/reference/pipeline_reference.py (Debian's python3-jieba + python3-torch), each under /usr/bin/time -v for the
# wall time and the peak resident memory. No segmentation cache on the Changwen side, so both segment everything.
#   bench/e2e-pipeline.sh [CORPUS (../shared/data/chinanews)] [--threads K (every core)] [--epochs 3] [--only changwen|pytorch]
#                         [--reference-lib-path DIR]   (e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread: Debian's torch with OpenBLAS)
#                         [--changwen-settings post|defaults]
# post (the default) trains exactly the reference's network and batches: the post's MergeNet (last column, no
# clipping) on plain shuffled batches. defaults trains `changwen train --model mergenet` as a user gets it: mean
# pooling over the real steps, forget-gate bias 1, clipping at 1, and length buckets (less padding to compute).
# Run it on an otherwise idle machine. Prints a markdown table; the raw outputs stay in $OUT (a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/data/chinanews
threads=$(nproc)
epochs=3
only=""
libpath=""
settings=post
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --reference-lib-path) libpath=$2; shift 2 ;;
    --changwen-settings) settings=$2; shift 2 ;;
    -*) echo "e2e-pipeline: unknown flag $1" >&2; exit 2 ;;
    *) corpus=$1; shift ;;
  esac
done
[[ -d $corpus ]] || { echo "e2e-pipeline: $corpus is not a folder; give the chinanews folder (label<TAB>text train/val/test files)" >&2; exit 2; }
out=${OUT:-$(mktemp -d /tmp/changwen-e2e.XXXXXX)}
mkdir -p "$out"
dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
cli=src/Changwen.Cli/bin/Release/net10.0/changwen.dll

# One side under GNU time: prints "wall_seconds peak_rss_mb" from its -v report.
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err"
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
              /Maximum resident set size/ { r = $2 / 1024 }
              /User time/ { u = $2 } /System time/ { y = $2 }
              END { printf "%.1f %.0f %.1f %.1f\n", w, r, u, y }' "$out/$name.time"
}

declare -A result
if [[ $only != pytorch ]]; then
  rm -rf "$out/changwen-run"
  case $settings in
    post) post=(--pool last --forget-bias none --clip-grad-norm none --bucket false) ;;
    defaults) post=() ;;
    *) echo "e2e-pipeline: --changwen-settings is post or defaults, not $settings" >&2; exit 2 ;;
  esac
  result[changwen]=$(measure changwen dotnet "$cli" train "$corpus" --out "$out/changwen-run" --model mergenet --max-len 500 \
    --epochs "$epochs" "${post[@]}" --cache "" --threads "$threads" --no-watch)
  result[changwen_acc]=$(/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(f\"{s['test_accuracy']*100:.2f} % / {s['test_macro_f1']:.4f}\")" "$out/changwen-run/summary.json")
fi
if [[ $only != changwen ]]; then
  result[pytorch]=$(measure pytorch env ${libpath:+LD_LIBRARY_PATH=$libpath} /usr/bin/python3 bench/reference/pipeline_reference.py "$corpus" --out "$out/pytorch-run" \
    --threads "$threads" --epochs "$epochs")
  result[pytorch_acc]=$(/usr/bin/python3 -c "import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(f\"{s['test_accuracy']*100:.2f} % / {s['test_macro_f1']:.4f}; phases {s['phases']}\")" "$out/pytorch.out")
fi

echo "corpus $corpus, $threads thread(s), $epochs epochs, Changwen's settings: $settings, PyTorch's libblas.so.3 from ${libpath:-the system}, outputs in $out"
echo
echo "| side | wall s | peak RSS MB | user s | sys s | test accuracy / macro-F1 |"
echo "|---|---|---|---|---|---|"
for side in changwen pytorch; do
  [[ -n ${result[$side]:-} ]] || continue
  read -r wall rss user sys <<<"${result[$side]}"
  echo "| $side | $wall | $rss | $user | $sys | ${result[${side}_acc]} |"
done
if [[ -n ${result[changwen]:-} && -n ${result[pytorch]:-} ]]; then
  awk -v c="${result[changwen]%% *}" -v p="${result[pytorch]%% *}" 'BEGIN { printf "\nwall time Changwen/PyTorch: %.2f\n", c / p }'
fi
