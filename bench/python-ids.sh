#!/usr/bin/env bash
# Does the Python recipe of docs/serving.md ("ONNX Runtime in Python") give an exported model the token ids Changwen
# gives it? Runs the recipe up to `rows = ` (tokenizing and encoding; no onnxruntime needed) with
# /usr/bin/python3 (Debian's python3-jieba, python3-numpy) and `Changwen.Bench export-ids` on the same files, and
# counts identical rows and differing columns.
#   bench/python-ids.sh EXPORT_DIR CORPUS_DIR [FILES_PER_CLASS]   (CORPUS_DIR: one folder of .txt files per class)
set -euo pipefail
cd "$(dirname "$0")/.."
export_dir=${1:?usage: bench/python-ids.sh EXPORT_DIR CORPUS_DIR [FILES_PER_CLASS]}
corpus=${2:?usage: bench/python-ids.sh EXPORT_DIR CORPUS_DIR [FILES_PER_CLASS]}
per_class=${3:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for d in "$corpus"/*/; do
  mapfile -t all < <(find "$d" -maxdepth 1 -name '*.txt' | sort)   # (head would end sort with SIGPIPE under pipefail)
  printf '%s\n' "${all[@]:0:$per_class}"
done > "$work/files.txt"
dotnet build bench/Changwen.Bench -c Release -v quiet -nologo >/dev/null
dotnet bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench.dll export-ids "$export_dir" "$work/files.txt" > "$work/changwen.txt"
# The recipe, cut before ONNX Runtime is used; then one row per file.
awk '/^```python/{f=1;next} /^```/{if(f) exit} f' docs/serving.md | sed '/^import onnxruntime/d; /^rows = /,$d' > "$work/recipe.py"
cat >> "$work/recipe.py" <<'PY'
for path in open(sys.argv[2], encoding="utf-8").read().split("\n"):
    if path:
        ids, n = row(open(path, encoding="utf-8").read())
        print(n, " ".join(map(str, ids)))
PY
/usr/bin/python3 "$work/recipe.py" "$export_dir" "$work/files.txt" > "$work/python.txt" 2>/dev/null
paste -d'\n' "$work/changwen.txt" "$work/python.txt" | awk '
  NR % 2 == 1 { a = $0; next }
  { n++; if (a == $0) { same++; next }
    split(a, x, " "); split($0, y, " "); d = 0
    for (i = 1; i <= length(x) || i <= length(y); i++) if (x[i] != y[i]) d++
    cols += d; printf "differs: document %d, %d columns\n", n, d }
  END { printf "%d documents: %d identical rows (length and ids), %d differ, %d differing columns in all\n", n, same, n - same, cols }'
