#!/usr/bin/env bash
# The default `changwen train DATA` (auto) against the TF-IDF + logistic-regression baseline on exactly the same split
# (docs/experiments.md, "The default `changwen train` (auto) against the baseline, five corpora"):
#   bench/default-vs-baseline.sh [--work /tmp/cw-default] [--no-baseline] CORPUS_DIR...
# For each corpus: an empty segmentation cache (cold, what a new user gets), `/usr/bin/time -v changwen train DATA
# --out WORK/NAME` with no other flag, then `/usr/bin/python3 bench/baseline/tfidf_logreg.py WORK/NAME` (Debian's
# scikit-learn and jieba) under `/usr/bin/time -v`. Prints one tab-separated line per corpus and appends it to
# WORK/results.tsv: corpus, train/val/test, Changwen's test accuracy and macro-F1, wall s, user+sys s, peak RSS MB,
# what auto kept, the baseline's test accuracy, macro-F1, C, wall s, user+sys s, and the load average before and after.
# Run it on an otherwise idle machine: the wall times are the point.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
changwen="$repo/src/Changwen.Cli/bin/Release/net10.0/changwen.dll"
work=/tmp/cw-default
baseline=1
corpora=()
while [ $# -gt 0 ]; do
  case $1 in
    --work) work=$2; shift 2 ;;
    --no-baseline) baseline=0; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) corpora+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
[ ${#corpora[@]} -gt 0 ] || { echo "usage: bench/default-vs-baseline.sh [--work DIR] [--no-baseline] CORPUS_DIR..." >&2; exit 2; }
[ -f "$changwen" ] || { echo "build first: dotnet build Changwen.slnx -c Release" >&2; exit 2; }
mkdir -p "$work"

# Reads a `/usr/bin/time -v` log: wall seconds, user+sys seconds, peak RSS in MB.
time_fields() {
  /usr/bin/python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
def field(name):
    return re.search(re.escape(name) + r": (.*)", text).group(1).strip()
parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
print(f"{wall:.1f}\t{cpu:.1f}\t{int(field('Maximum resident set size (kbytes)')) // 1024}")
EOF
}

for data in "${corpora[@]}"; do
  name=$(basename "$data")
  run="$work/$name"
  [ ! -e "$run" ] || { echo "$run exists: remove it or pass another --work" >&2; exit 2; }
  cache="$work/cache-$name"
  rm -rf "$cache"
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  CHANGWEN_CACHE="$cache" /usr/bin/time -v -o "$work/$name.time" \
    dotnet "$changwen" train "$data" --out "$run" > "$work/$name.log" 2>&1
  read -r wall cpu rss < <(time_fields "$work/$name.time")
  row=$(/usr/bin/python3 - "$run" <<'EOF'
import json, os, sys
run = sys.argv[1]
s = json.load(open(os.path.join(run, "summary.json"), encoding="utf-8"))
test = json.load(open(os.path.join(run, "test-report.json"), encoding="utf-8"))
support = test['support']
sizes = f"{s['train_docs']}/{s['val_docs']}/{support if isinstance(support, int) else sum(support)}"
chosen = s.get("chosen") or s["model"]
print(f"{sizes}\t{s['test_accuracy']:.4f}\t{s['test_macro_f1']:.4f}\t{s['model']}: {chosen}")
EOF
)
  IFS=$'\t' read -r sizes acc f1 kept <<< "$row"
  b="-\t-\t-\t-\t-"
  if [ "$baseline" = 1 ]; then
    /usr/bin/time -v -o "$work/$name.baseline.time" /usr/bin/python3 "$repo/bench/baseline/tfidf_logreg.py" "$run" \
      --json "$work/$name.baseline.json" > "$work/$name.baseline.log" 2>&1
    read -r bwall bcpu _ < <(time_fields "$work/$name.baseline.time")
    b=$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(f\"{r['test_accuracy']:.4f}\t{r['test_macro_f1']:.4f}\t{r['c']} (val {r['val_accuracy']:.4f})\t$bwall\t$bcpu\")" "$work/$name.baseline.json")
  fi
  line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%b\t%s→%s' "$name" "$sizes" "$acc" "$f1" "$wall" "$cpu" "$rss" "$kept" "$b" \
    "$load_before" "$(cut -d' ' -f1 /proc/loadavg)")
  echo "$line" | tee -a "$work/results.tsv"
done
