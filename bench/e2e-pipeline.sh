#!/usr/bin/env bash
# End to end against PyTorch (issues 8 and 25): read, segment, build the vocabulary, train the post's MergeNet or LSTM
# classifier at 500 words with validation after every epoch, and score the test split — `changwen train` against
# bench/reference/pipeline_reference.py (Debian's python3-jieba + python3-torch), each under /usr/bin/time -v for the
# wall time and the peak resident memory. No segmentation cache on the Changwen side unless --warm-cache, so both segment everything.
#   bench/e2e-pipeline.sh [CORPUS (../shared/data/chinanews)] [--model mergenet|lstm] [--max-len 500] [--threads K (every core)]
#                         [--epochs 3] [--only changwen|pytorch] [--changwen-settings post|defaults]
#                         [--reference-lib-path DIR]      one PyTorch peer whose libblas.so.3 comes from DIR
#                         [--peer NAME=DIR ...]           several peers (DIR "system": the system's libblas.so.3), e.g.
#                                                         --peer openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
#                                                         --peer netlib=/usr/lib/x86_64-linux-gnu/blas
#                         [--rounds N] [--once NAME]      N rounds of Changwen then every peer, alternating; a peer named
#                                                         by --once runs in the last round only (netlib's 15 minutes)
#                         [--lock FILE]                   each timed run under `flock FILE` (the shared machine's lock)
#                         [--warm-cache DIR]              Changwen reads its segmentation from the cache in DIR, filled by
#                                                         one untimed run first (a user's second run on a corpus); the
#                                                         peers segment every time, as they have no cache
# Environment: CHANGWEN_DLL=path/changwen.dll measures that build instead of building src/Changwen.Cli; OUT=folder.
# post (the default) trains exactly the reference's network and batches: last column, libtorch's forget bias, no
# clipping, plain shuffled batches. defaults trains `changwen train --model M` as a user gets it (pooling, forget-gate
# bias 1, clipping at 1, length buckets).
# A corpus with its own train/val/test files is read as is; a folder-per-class corpus (thucnews) is split by Changwen
# and the peers read Changwen's splits.tsv from the same round, so both sides see the same documents.
# Prints one row per run (with the 1-minute load average when it started) and each round's wall-time ratios; the raw
# outputs stay in $OUT (a temporary folder).
#   bench/e2e-pipeline.sh ../shared/data/thucnews --model lstm --epochs 2 --rounds 2 --lock /work/measure.lock \
#     --peer openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp --peer netlib=/usr/lib/x86_64-linux-gnu/blas --once netlib
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/data/chinanews
threads=$(nproc)
epochs=3
model=mergenet
maxlen=500
only=""
settings=post
cache=""
rounds=1
lock=""
peers=()
once=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --max-len) maxlen=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --reference-lib-path) peers+=("pytorch=$2"); shift 2 ;;
    --peer) peers+=("$2"); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --once) once+=("$2"); shift 2 ;;
    --lock) lock=$2; shift 2 ;;
    --warm-cache) cache=$2; shift 2 ;;
    --changwen-settings) settings=$2; shift 2 ;;
    -*) echo "e2e-pipeline: unknown flag $1" >&2; exit 2 ;;
    *) corpus=$1; shift ;;
  esac
done
[[ -d $corpus ]] || { echo "e2e-pipeline: $corpus is not a folder; give a corpus folder (train/val/test files, or one folder per class)" >&2; exit 2; }
[[ $model == mergenet || $model == lstm ]] || { echo "e2e-pipeline: --model is mergenet or lstm, not $model" >&2; exit 2; }
[[ ${#peers[@]} -gt 0 ]] || peers=("pytorch=system")
own_splits=false
compgen -G "$corpus/train.*" >/dev/null && own_splits=true
if [[ $only == pytorch && $own_splits == false ]]; then
  echo "e2e-pipeline: $corpus has no train/val/test files; the peers need Changwen's split, so Changwen must run too" >&2; exit 2
fi
out=${OUT:-$(mktemp -d /tmp/changwen-e2e.XXXXXX)}
mkdir -p "$out"
# CHANGWEN_DLL: a copy of a built changwen.dll to measure (a before/after pair, or a build that later edits must not touch).
cli=${CHANGWEN_DLL:-src/Changwen.Cli/bin/Release/net10.0/changwen.dll}
[[ -n ${CHANGWEN_DLL:-} ]] || dotnet build src/Changwen.Cli -c Release -v quiet -nologo >/dev/null
case $settings in
  post) post=(--pool last --forget-bias none --clip-grad-norm none --bucket false) ;;
  defaults) post=() ;;
  *) echo "e2e-pipeline: --changwen-settings is post or defaults, not $settings" >&2; exit 2 ;;
esac

# One run under GNU time (and the lock): prints "wall_seconds peak_rss_mb user_s sys_s load1" from its -v report.
measure() {
  local name=$1; shift
  # The load average is read once the lock is held, when the run starts.
  ${lock:+flock "$lock"} bash -c 'cut -d" " -f1 /proc/loadavg >"$0.load"; exec /usr/bin/time -v -o "$0.time" "$@"' "$out/$name" "$@" \
    >"$out/$name.out" 2>"$out/$name.err"
  awk -F': ' -v load="$(cat "$out/$name.load")" '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
              /Maximum resident set size/ { r = $2 / 1024 }
              /User time/ { u = $2 } /System time/ { y = $2 }
              END { printf "%.1f %.0f %.1f %.1f %s\n", w, r, u, y, load }' "$out/$name.time"
}

if [[ -n $cache ]]; then   # fill the cache once, untimed: `diagnose` segments the corpus as train would, without training
  dotnet "$cli" diagnose "$corpus" --model "$model" --max-len "$maxlen" "${post[@]}" --cache "$cache" >"$out/warm-cache-fill.out" 2>&1 || true
fi
rows=()
ratios=()
for ((round = 1; round <= rounds; round++)); do
  cw_wall=""
  splits=()
  if [[ $only != pytorch ]]; then
    run=$out/changwen-r$round
    rm -rf "$run"
    r=$(measure "changwen-r$round" dotnet "$cli" train "$corpus" --out "$run" --model "$model" --max-len "$maxlen" \
      --epochs "$epochs" "${post[@]}" --cache "$cache" --threads "$threads" --no-watch)
    acc=$(/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(f\"{s['test_accuracy']*100:.2f} % / {s['test_macro_f1']:.4f}\")" "$run/summary.json")
    rows+=("| $round | changwen | $(tr ' ' '|' <<<"$r" | sed 's/|/ | /g') | $acc |")
    cw_wall=${r%% *}
    [[ $own_splits == true ]] || splits=(--splits "$run/splits.tsv")
  fi
  [[ $only == changwen ]] && continue
  for peer in "${peers[@]}"; do
    name=${peer%%=*}; dir=${peer#*=}
    if [[ $round -lt $rounds ]] && printf '%s\n' "${once[@]}" | grep -qx "$name"; then continue; fi
    # Passive waiting on both sides, as Changwen sets it for libtorch (docs/benchmarks.md): spinning OpenMP threads
    # measure the machine's load, not the library.
    envs=(OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}")
    [[ $dir == system ]] || envs+=(LD_LIBRARY_PATH="$dir")
    r=$(measure "$name-r$round" env "${envs[@]}" /usr/bin/python3 bench/reference/pipeline_reference.py "$corpus" \
      --out "$out/$name-r$round" --model "$model" --max-len "$maxlen" --threads "$threads" --epochs "$epochs" "${splits[@]}")
    acc=$(/usr/bin/python3 -c "import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(f\"{s['test_accuracy']*100:.2f} % / {s['test_macro_f1']:.4f}; phases {s['phases']}\")" "$out/$name-r$round.out")
    rows+=("| $round | $name | $(tr ' ' '|' <<<"$r" | sed 's/|/ | /g') | $acc |")
    [[ -n $cw_wall ]] && ratios+=("$(awk -v c="$cw_wall" -v p="${r%% *}" -v n="$name" -v k="$round" 'BEGIN { printf "round %d, Changwen/%s: %.2f", k, n, c / p }')")
  done
done

echo "corpus $corpus, model $model at $maxlen words, $threads thread(s), $epochs epochs, Changwen's settings: $settings, segmentation cache: ${cache:-none (cold)}, peers: ${peers[*]}, outputs in $out"
echo
echo "| round | side | wall s | peak RSS MB | user s | sys s | load (1 min) at start | test accuracy / macro-F1 |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[[ ${#ratios[@]} -eq 0 ]] || { echo; printf '%s\n' "${ratios[@]}"; }
