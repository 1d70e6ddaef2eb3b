#!/usr/bin/env bash
# Runs every test (unit, component, API, SignalR, browser), then the local-model tests again on the
# GPU build of ONNX Runtime, and ends with "N passed, N failed, N skipped" over both.
# Tests that need ../shared's third-party files (the SST-2-trained model, SST-2 data, real tokenizer
# kits) are skipped, each with a one-line reason, where ../shared/models is absent (WEBDEMO_SHARED_DIR
# overrides where it is looked for); the rest run on the repository's own tiny model instead.
# Installs what the tests need on a fresh Debian machine: chromium for Playwright, Node.js and
# the Hugging Face JS client that the API is checked against.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
artifacts=$root/artifacts
results=$artifacts/test-results

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
# Waits up to 10 minutes for another apt (e.g. unattended upgrades) to let go of its lock.
apt_install() {
    local wait_lock=(-o DPkg::Lock::Timeout=600)
    [ -n "$apt_updated" ] || { as_root apt-get "${wait_lock[@]}" update -qq; apt_updated=1; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq "$@" >/dev/null
}

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed (https://dot.net)." >&2; exit 1; }
# Playwright drives Debian's chromium; its own browser download cannot work offline.
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || { echo "Installing chromium…"; apt_install chromium fonts-dejavu-core; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "Installing Node.js…"; apt_install nodejs npm; }
(cd tests/clients && npm ci --no-audit --no-fund --loglevel=error)

echo "Building…"
dotnet build WebDemo.slnx -c Release -nologo -v quiet
# The browser tests run the published app, as the Docker image does.
dotnet publish src/WebDemo/WebDemo.csproj -c Release -o "$artifacts/e2e-app" -nologo -v quiet
export WEBDEMO_PUBLISH_DIR=$artifacts/e2e-app

rm -rf "$results"
set +e
dotnet test WebDemo.slnx -c Release --no-build --logger trx --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true
status=$?

# The GPU build (-p:OnnxRuntimeGpu=true: Microsoft.ML.OnnxRuntime.Gpu) of the local-model tests, in
# outputs of its own so the CPU build above is left as it is. Without a GPU they run on the CPU
# fallback through the GPU package, and check that asking for CUDA there says why it is missing.
# Its TRX goes with the others, so its results are counted and its failures fail the run.
echo "Building and testing the local-model tests on the GPU build of ONNX Runtime…"
gpu_started=$SECONDS
gpu_build=(tests/WebDemo.Inference.Onnx.Tests -c Release -p:OnnxRuntimeGpu=true --artifacts-path "$artifacts/gpu-build" -nologo)
if dotnet build "${gpu_build[@]}" -v quiet; then
    dotnet test "${gpu_build[@]}" --no-build --logger "trx;LogFileName=gpu-build-WebDemo.Inference.Onnx.Tests.trx" \
        --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=1
else
    status=1
fi
echo "GPU build of the local-model tests: $((SECONDS - gpu_started)) s."
set -e

# dotnet test prints no summary a CI reads: count the TRX files' results. A skipped test is a
# UnitTestResult with outcome "NotExecuted" (the Counters element leaves notExecuted at 0 for them).
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    passed=$((passed + $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")))
    failed=$((failed + $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")))
    skipped=$((skipped + $(grep -o '<UnitTestResult [^>]*>' "$trx" | grep -c 'outcome="NotExecuted"' || true)))
done
if [ "$files" -eq 0 ]; then
    echo "No test results were written." >&2
    status=1
fi
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1   # a crash with no failed test still fails
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
