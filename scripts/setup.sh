#!/usr/bin/env bash
# Machine set-up shared by sample.sh and test.sh: a CJK font so PNG plots show Chinese class names.
# Everything else (TorchSharp, libtorch, jieba.NET and its dictionaries) comes from NuGet on the first build.
set -euo pipefail
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing fonts-noto-cjk (Chinese labels in plots)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig) >/dev/null 2>&1 \
      || echo "setup: could not install fonts-noto-cjk; plots will show boxes for Chinese labels" >&2
  else
    echo "setup: no CJK font found (install fonts-noto-cjk); plots will show boxes for Chinese labels" >&2
  fi
fi
