#!/usr/bin/env bash
# Runs WebDemo on http://localhost:7860 with local models; no token needed.
#
# Without HF_ENDPOINT, and with ../shared/models beside the checkout (models that cannot come
# from the Hub here), it serves those folders on loopback in the Hub's wire format and points
# HF_ENDPOINT there, so the app downloads them through its real download path. With HF_ENDPOINT
# set (or no shared models), the app uses the Hub and its configured models (appsettings.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${WEBDEMO_SHARED_DIR:-$root/../shared}
artifacts=$root/artifacts
port=${PORT:-7860}

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed (https://dot.net)." >&2; exit 1; }
echo "Building WebDemo…"
dotnet publish "$root/src/WebDemo/WebDemo.csproj" -c Release -o "$artifacts/app" -v quiet -nologo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM

if [ -z "${HF_ENDPOINT:-}" ] && [ -d "$shared/models/sentiment" ]; then
    dotnet publish "$root/src/WebDemo.LocalHub/WebDemo.LocalHub.csproj" -c Release -o "$artifacts/localhub" -v quiet -nologo
    hub_port=${LOCAL_HUB_PORT:-7870}
    dotnet "$artifacts/localhub/WebDemo.LocalHub.dll" --urls "http://127.0.0.1:$hub_port" \
        --repo "webdemo/distilbert-tiny-sst2=$shared/models/sentiment" &
    pids+=($!)
    for _ in $(seq 1 50); do
        curl -fsS "http://127.0.0.1:$hub_port/api/models/webdemo/distilbert-tiny-sst2" >/dev/null 2>&1 && break
        sleep 0.2
    done
    export HF_ENDPOINT="http://127.0.0.1:$hub_port"
    # The stand-in serves model downloads only; provider mappings still come from the real Hub.
    export Cloud__HubUrl=${Cloud__HubUrl:-https://huggingface.co}
    export LocalModels__Models__0__Id=webdemo/distilbert-tiny-sst2
    export LocalModels__Models__0__Dtype=fp32
    echo "Local models from $shared/models, served at $HF_ENDPOINT"
fi

export HF_HOME=${HF_HOME:-$artifacts/hf-home}
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://0.0.0.0:$port}
echo "WebDemo at http://localhost:$port"
cd "$artifacts/app"
dotnet WebDemo.dll &
pids+=($!)
wait "${pids[-1]}"
