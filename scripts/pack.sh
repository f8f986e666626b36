#!/usr/bin/env bash
# Builds the two NuGet packages into a local folder feed (default: out/packages):
#   Changwen.Core.VERSION.nupkg            the library (TorchSharp, libtorch and jieba.NET come as dependencies)
#   changwen.VERSION.nupkg                 the dotnet tool `changwen` (a pointer to the package below)
#   changwen.linux-x64.VERSION.nupkg       the tool itself, with libtorch
# VERSION is the <Version> in Directory.Build.props. Usage: bash scripts/pack.sh [FEED_DIR] [--package-version V]
# (--package-version gives the packages another version without rebuilding; the packaging test uses it for a
# version no earlier run has left in the NuGet caches).
set -euo pipefail
cd "$(dirname "$0")/.."
feed=out/packages
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --package-version) extra+=("-p:PackageVersion=$2"); shift 2 ;;
    -*) echo "pack.sh: unknown option $1 (usage: bash scripts/pack.sh [FEED_DIR] [--package-version V])" >&2; exit 2 ;;
    *) feed=$1; shift ;;
  esac
done
mkdir -p "$feed"
for project in src/Changwen/Changwen.csproj src/Changwen.Cli/Changwen.Cli.csproj; do
  dotnet pack "$project" -c Release -o "$feed" -nologo -v quiet "${extra[@]}"
done
ls -l "$feed"/*.nupkg
