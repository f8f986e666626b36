#!/usr/bin/env bash
# Changwen against PyTorch, side by side (issue 8): builds the benchmark in Release and runs `torch-compare`, which
# alternates Changwen (in process) and bench/reference/torch_reference.py (Debian's python3-torch via /usr/bin/python3)
# for every case and prints a markdown table of medians and ratios. Figures go in docs/benchmarks.md.
#   bench/torch-compare.sh [--reps 5] [--warmup 1] [--cases lstm-500,mergenet] [--threads K] [--json out.json] [--quick]
#                          [--reference-lib-path /usr/lib/x86_64-linux-gnu/openblas-pthread]
# Debian's python3-torch calls the system libblas.so.3, netlib's reference BLAS as `apt-get install python3-torch`
# leaves it (about 4 GFLOP/s); --reference-lib-path gives the reference another libblas.so.3, e.g. OpenBLAS from
# `apt-get install libopenblas0-pthread` (then `update-alternatives` may switch the system's default to it too).
# bench/Changwen.Bench step-profile [--model lstm|mergenet|lstm-fixed] [--len T] [--threads K] splits one training step
# into its phases, with system time and page faults.
# Run it on an otherwise idle machine; --quick only checks that the harness works.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Changwen.Bench -c Release -v quiet -nologo >/dev/null
exec bench/Changwen.Bench/bin/Release/net10.0/Changwen.Bench torch-compare "$@"
