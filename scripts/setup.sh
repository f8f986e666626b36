#!/usr/bin/env bash
# Machine set-up shared by sample.sh and test.sh: a CJK font so PNG plots show Chinese class names
# (WenQuanYi Micro Hei: ScottPlot clips Noto CJK, whose descent is unusually deep; see Evaluation/PlotStyle.cs).
# Everything else (TorchSharp, libtorch, jieba.NET and its dictionaries) comes from NuGet on the first build.
set -euo pipefail
if ! fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing fonts-wqy-microhei (Chinese labels in plots)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei fontconfig) >/dev/null 2>&1 \
      || echo "setup: could not install fonts-wqy-microhei; plots will show boxes for Chinese labels" >&2
  else
    echo "setup: no CJK font found (install fonts-wqy-microhei); plots will show boxes for Chinese labels" >&2
  fi
fi
# Benchmarks only, never CI: bench/baseline/tfidf_logreg.py (the TF-IDF + logistic-regression reference in
# docs/experiments.md) needs Debian's python3-sklearn and python3-jieba:
#   sudo apt-get install -y python3-sklearn python3-jieba
