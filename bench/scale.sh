#!/usr/bin/env bash
# Peak memory and time of the main commands at a given corpus size (docs/benchmarks.md, "Memory at scale").
#   bench/scale.sh DOCS [--changwen DIR] [--only ft,lstm,linear,eval,predict] [--tokenizer word|char] [--work /tmp/cw-scale]
#                  [--lock FILE]   (default /work/measure.lock, the machine's timed-measurement lock)
#                  [--max-len N]   (fasttext's row length; default 500. The LSTM always reads 500 words)
#                  [--model RUN]   (eval and predict score with RUN instead of this size's fasttext run)
#                  [--lstm-minutes M] (stop the LSTM's training with SIGINT, as Ctrl+C does, after M minutes: it saves its
#                                  checkpoint and exits; the row then covers reading, encoding, M minutes of steps and the
#                                  save, and the log its steps done, for an epoch too long to wait for)
# Writes a corpus of DOCS documents derived from ../shared/data/chinanews/train.tsv.gz (bench `corpus`, under --work,
# never in the repository), then runs, each under `flock /work/measure.lock` and `/usr/bin/time -v`:
#   ft      changwen train C --model fasttext --lr 0.01 --epochs 1 --clip-grad-norm none --bucket false   (cold cache)
#   lstm    changwen train C --model lstm --max-len 500 --epochs 1                                          (warm cache)
#   linear  changwen train C --model linear --C 10                                                          (warm cache)
#   eval    changwen eval RUN_FT C --split test   (RUN_FT's recorded test split, or a seeded tenth of C for another model)
#   predict changwen predict RUN_FT --file TEXTS --out OUT.jsonl --format text                              (TEXTS = C's texts)
# and appends one line per command to WORK/results.tsv: docs-tokenizer, command, wall s, user s, sys s, peak RSS MB,
# seconds until the segmentation cache was written (cold runs), load average after the run.
set -euo pipefail
docs=$1; shift
repo=$(cd "$(dirname "$0")/.." && pwd)
changwen_dir="$repo/src/Changwen.Cli/bin/Release/net10.0"
only=ft,lstm,eval,predict
tokenizer=word
work=/tmp/cw-scale
lock=/work/measure.lock
maxlen=()
model=
lstm_minutes=
while [ $# -gt 0 ]; do
  case $1 in
    --changwen) changwen_dir=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --tokenizer) tokenizer=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --lock) lock=$2; shift 2 ;;
    --max-len) maxlen=(--max-len "$2"); shift 2 ;;
    --model) model=$2; shift 2 ;;
    --lstm-minutes) lstm_minutes=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
corpus="$work/corpus-$docs.tsv"
if [ ! -f "$corpus" ]; then
  dotnet build "$repo/bench/Changwen.Bench" -c Release -v quiet -nologo > /dev/null
  (cd "$repo" && dotnet bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench.dll corpus --docs "$docs" --out "$corpus")
fi
tag="$docs-$tokenizer${maxlen[1]:+-${maxlen[1]}}"
export CHANGWEN_CACHE="$work/cache-$tag"
run_ft="$work/run-ft-$tag"
scorer=${model:-$run_ft}

measure() { # NAME ARGS...   (STOP_AFTER=S: SIGINT after S seconds, and an exit on it is not a failure)
  local name=$1; shift
  local log="$work/$name-$tag.log" time="$work/$name-$tag.time"
  echo "== $name ($docs documents): changwen $*" >&2
  local limit=(); [ -n "${STOP_AFTER:-}" ] && limit=(timeout -s INT "$STOP_AFTER")
  flock "$lock" bash -c 'date +%s.%N > "$0.start"; exec nice -n 10 /usr/bin/time -v -o "$0" "$@"' "$time" "${limit[@]}" "$changwen_dir/changwen" "$@" > "$log" 2>&1 \
    || [ -n "${STOP_AFTER:-}" ] || { echo "$name failed, see $log" >&2; tail -5 "$log" >&2; return 1; }
  local started; started=$(cat "$time.start")
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$time")
  user=$(awk -F': ' '/User time/ {print $2}' "$time")
  sys=$(awk -F': ' '/System time/ {print $2}' "$time")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$time")
  # A cold run writes the segmentation cache when segmentation ends: its age splits the wall time.
  local segmented="-"
  local cached; cached=$(ls -t "$CHANGWEN_CACHE"/segments/*.cwseg 2>/dev/null | head -1 || true)
  if [ -n "$cached" ] && [ "$(stat -c %Y "$cached")" -ge "${started%.*}" ]; then
    segmented=$(echo "$(stat -c %.3Y "$cached") - $started" | bc)
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$name" "$wall" "$user" "$sys" "$rss" "$segmented" "$load" | tee -a "$work/results.tsv"
}

has() { [[ ",$only," == *",$1,"* ]]; }
if has ft; then
  rm -rf "$CHANGWEN_CACHE" "$run_ft"
  measure train-fasttext train "$corpus" --tokenizer "$tokenizer" --model fasttext --lr 0.01 --epochs 1 --clip-grad-norm none --bucket false "${maxlen[@]}" --out "$run_ft"
fi
if has lstm; then
  rm -rf "$work/run-lstm-$tag"
  if [ -n "$lstm_minutes" ]; then
    STOP_AFTER=$((lstm_minutes * 60)) measure "train-lstm-${lstm_minutes}min" train "$corpus" --tokenizer "$tokenizer" --model lstm --max-len 500 --epochs 1 --out "$work/run-lstm-$tag"
  else
    measure train-lstm train "$corpus" --tokenizer "$tokenizer" --model lstm --max-len 500 --epochs 1 --out "$work/run-lstm-$tag"
  fi
fi
if has linear; then
  rm -rf "$work/run-linear-$tag"
  measure train-linear train "$corpus" --tokenizer "$tokenizer" --model linear --C 10 --out "$work/run-linear-$tag"
fi
if has eval; then
  measure eval eval "$scorer" "$corpus" --split test
fi
if has predict; then
  texts="$work/texts-$docs.txt"
  [ -f "$texts" ] || cut -f2 "$corpus" > "$texts"
  rm -f "$work/predict-$tag.jsonl"
  measure predict predict "$scorer" --file "$texts" --out "$work/predict-$tag.jsonl" --format text
fi
