#!/usr/bin/env bash
# The packaging test (run by scripts/test.sh): uses Changwen as someone outside this repository would.
#  1. packs the library and the tool (scripts/pack.sh) into a temporary folder feed, under a version no earlier run
#     has left in the NuGet caches (VERSION-ci.TIMESTAMP; `changwen --version` still prints VERSION);
#  2. installs the tool from that feed into a temporary tool path and trains a small model with it (1 epoch on
#     samples/thucnews-mini);
#  3. creates a console project under /tmp that references the library package from the feed plus nuget.org (the
#     shared global packages folder already holds TorchSharp and libtorch, so nothing large is downloaded), loads the
#     model and prints JSON lines as `changwen predict --json` does;
#  4. passes when the two outputs are byte for byte the same: same labels, same probabilities.
# Exit 0 on success; otherwise says which step failed. Leaves nothing behind but its own version of Changwen.Core in
# the global packages folder, which it removes at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/changwen-package-test.XXXXXX)
packages_root=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
base_version=$(dotnet msbuild "$repo/src/Changwen/Changwen.csproj" -getProperty:Version)
version="$base_version-ci.$(date -u +%Y%m%d%H%M%S).$$"
cleanup() {
  rm -rf "$work"
  rm -rf "${packages_root%/}/changwen.core/$version"
  rmdir "${packages_root%/}/changwen.core" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
step() { echo "== package-test: $* ($((SECONDS))s)"; }
export CHANGWEN_CACHE="$work/cache" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

step "pack $version into $work/feed"
bash "$repo/scripts/pack.sh" "$work/feed" --package-version "$version" >/dev/null || fail "scripts/pack.sh"
for package in "Changwen.Core.$version" "changwen.$version" "changwen.linux-x64.$version"; do
  [ -f "$work/feed/$package.nupkg" ] || fail "pack did not write $package.nupkg"
  echo "   $package.nupkg: $(stat -c %s "$work/feed/$package.nupkg") bytes"
done

step "dotnet tool install changwen --tool-path $work/tools"
dotnet tool install changwen --version "$version" --source "$work/feed" --tool-path "$work/tools" >/dev/null \
  || fail "dotnet tool install"
changwen=$work/tools/changwen
printed=$(cd "$work" && "$changwen" --version) || fail "changwen --version"
[ "$printed" = "$base_version" ] || fail "changwen --version printed '$printed', expected '$base_version'"

step "changwen train (1 epoch on samples/thucnews-mini, --normalize nfkc)"
(cd "$work" && "$changwen" train "$repo/samples/thucnews-mini" --out "$work/run" --epochs 1 --max-len 100 --seed 7 \
  --normalize nfkc --threads 1 >"$work/train.log" 2>&1) || { tail -20 "$work/train.log" >&2; fail "changwen train"; }

texts=("国家队在昨晚的决赛中以二比零战胜对手，球迷在看台上欢呼。"
       "央行宣布下调存款准备金率，银行间市场利率随之回落。"
       "这款新手机搭载了更大的电池和更快的处理器，售价３９９９元。")   # full-width digits: nfkc (ICU4N) at prediction
step "changwen predict --json"
(cd "$work" && "$changwen" predict "$work/run" --json --top-k 100 "${texts[@]}" >"$work/tool.jsonl") \
  || fail "changwen predict"

step "console project under $work/app referencing Changwen.Core $version"
mkdir -p "$work/app"
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="changwen-test-feed" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat >"$work/app/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Changwen.Core" Version="$version" />
  </ItemGroup>
</Project>
XML
# What a user writes: load the run folder, predict, print each prediction as changwen predict --json does. The texts
# go through one forward pass together, as the tool's do: libtorch's rounding depends on the batch's shape, so a text
# scored alone can differ from the same text scored in a batch in the last digit (measured: up to 1e-8 here).
cat >"$work/app/Program.cs" <<'CS'
using System.Text.Encodings.Web;
using System.Text.Json;
using Changwen.Bundle;

using var classifier = TextClassifier.Load(args[0]);
var json = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
foreach (var prediction in classifier.PredictBatch(args[1..], topK: classifier.Labels.Count))
{
    var probabilities = prediction.Top.ToDictionary(p => p.Label, p => p.Probability);
    Console.WriteLine(JsonSerializer.Serialize(new { label = prediction.Label, probabilities }, json));
}
CS
(cd "$work/app" && dotnet build -c Release -nologo -v quiet >"$work/build.log" 2>&1) \
  || { tail -20 "$work/build.log" >&2; fail "dotnet build of the console project"; }
[ -f "$work/app/bin/Release/net10.0/Resources/dict.txt" ] || fail "jieba's dictionaries were not copied into the console project's bin/"
(cd "$work/app" && dotnet bin/Release/net10.0/app.dll "$work/run" "${texts[@]}" >"$work/library.jsonl" 2>"$work/run.log") \
  || { tail -20 "$work/run.log" >&2; fail "the console project"; }

step "compare"
echo "   changwen predict --json:"; sed 's/^/     /' "$work/tool.jsonl"
echo "   console project:";        sed 's/^/     /' "$work/library.jsonl"
[ "$(wc -l <"$work/tool.jsonl")" -eq "${#texts[@]}" ] || fail "changwen predict printed $(wc -l <"$work/tool.jsonl") lines for ${#texts[@]} texts"
cmp -s "$work/tool.jsonl" "$work/library.jsonl" || fail "the tool and the library disagree (see the lines above)"
step "passed: the tool and the library give the same labels and probabilities"
