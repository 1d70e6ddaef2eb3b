#!/usr/bin/env bash
# Runs WebDemo on http://localhost:7860 with local models; no token needed.
#
# Without HF_ENDPOINT, and with ../shared/models beside the checkout (models that cannot come
# from the Hub here), it serves those folders on loopback in the Hub's wire format and points
# HF_ENDPOINT there, so the app downloads them through its real download path. With HF_ENDPOINT
# set (or no shared models), the app uses the Hub and its configured models (appsettings.json).
#
# Environment:
#   PORT=7860            the app's port (on all interfaces); ignored if ASPNETCORE_URLS is set
#   LOCAL_HUB_PORT=7870  the local model server's port (loopback), when it is started
#   WEBDEMO_SHARED_DIR   where the shared models are (default: ../shared beside the checkout)
#   HF_ENDPOINT, HF_HOME and the app's other settings pass through (see README.md).
# Both ports are checked before anything is built or started; a busy one ends the script with
# one line saying which, e.g. PORT=7861 ./scripts/run.sh to choose another.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${WEBDEMO_SHARED_DIR:-$root/../shared}
artifacts=$root/artifacts
port=${PORT:-7860}
hub_port=${LOCAL_HUB_PORT:-7870}
hub_wait_s=30

fail() { echo "$*" >&2; exit 1; }

valid_port() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

# Prints who listens on TCP port $1 (e.g. "python3, pid 1234", or "another program"); fails if
# nobody does. ss sees listeners on every address; a connect to loopback covers a machine
# without ss (or where ss cannot read the socket table).
port_user() {
    local line=
    if command -v ss >/dev/null; then
        line=$(ss -ltnp "sport = :$1" 2>/dev/null | tail -n +2 | head -n 1)
    fi
    if [ -n "$line" ]; then
        sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1, pid \2/p' <<<"$line" | grep . \
            || echo "another program"
    elif timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then
        echo "another program"
    else
        return 1
    fi
}

use_hub=
if [ -z "${HF_ENDPOINT:-}" ] && [ -d "$shared/models/sentiment" ]; then use_hub=1; fi

command -v dotnet >/dev/null || fail "The .NET 10 SDK is needed (https://dot.net)."
if [ -z "${ASPNETCORE_URLS:-}" ]; then
    valid_port "$port" || fail "PORT=$port is not a port number (1-65535)."
    port=$((10#$port))
    if user=$(port_user "$port"); then
        fail "Port $port is in use ($user); choose another: PORT=$((port % 65535 + 1)) $0"
    fi
fi
if [ -n "$use_hub" ]; then
    valid_port "$hub_port" || fail "LOCAL_HUB_PORT=$hub_port is not a port number (1-65535)."
    hub_port=$((10#$hub_port))
    if [ -z "${ASPNETCORE_URLS:-}" ] && [ "$hub_port" = "$port" ]; then
        fail "PORT and LOCAL_HUB_PORT are both $port; choose another: LOCAL_HUB_PORT=$((port % 65535 + 1)) $0"
    fi
    if user=$(port_user "$hub_port"); then
        fail "Port $hub_port (local model server) is in use ($user); choose another: LOCAL_HUB_PORT=$((hub_port % 65535 + 1)) $0"
    fi
    command -v curl >/dev/null || fail "curl is needed to check the local model server (apt-get install curl)."
fi

echo "Building WebDemo…"
dotnet publish "$root/src/WebDemo/WebDemo.csproj" -c Release -o "$artifacts/app" -v quiet -nologo

# Children are stopped (TERM, then KILL after 10 s) whenever the script ends: Ctrl+C, kill,
# an error, or the app exiting.
pids=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    local pid alive _
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 100); do
        alive=
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ -n "$alive" ] || return 0
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$use_hub" ]; then
    dotnet publish "$root/src/WebDemo.LocalHub/WebDemo.LocalHub.csproj" -c Release -o "$artifacts/localhub" -v quiet -nologo
    hub_url="http://127.0.0.1:$hub_port"
    hub_log=$artifacts/localhub.log
    dotnet "$artifacts/localhub/WebDemo.LocalHub.dll" --urls "$hub_url" \
        --repo "webdemo/distilbert-tiny-sst2=$shared/models/sentiment" \
        --repo "webdemo/t5-tiny-random=$root/tests/models/t5-tiny-random" \
        --repo "webdemo/llama-tiny-random=$root/tests/models/llama-tiny-random" \
        --repo "webdemo/sd-tiny-random=$root/tests/models/sd-tiny-random" >"$hub_log" 2>&1 &
    hub_pid=$!
    pids+=("$hub_pid")
    # Not a job of this shell any more: if it crashes, bash prints no "Aborted" line of its own.
    disown "$hub_pid"
    # Up means it serves the model's metadata, not merely that the port is open.
    deadline=$((SECONDS + hub_wait_s))
    until curl -fsS --max-time 2 -o /dev/null "$hub_url/api/models/webdemo/distilbert-tiny-sst2" 2>/dev/null; do
        if ! kill -0 "$hub_pid" 2>/dev/null; then
            reason=$(grep -m 1 -oE '[A-Za-z0-9_.]+Exception: .*' "$hub_log" || true)
            fail "The local model server (WebDemo.LocalHub) stopped before answering on $hub_url${reason:+: $reason} (log: $hub_log)"
        fi
        [ "$SECONDS" -lt "$deadline" ] \
            || fail "The local model server (WebDemo.LocalHub) did not answer on $hub_url within $hub_wait_s s (log: $hub_log)"
        sleep 0.2
    done
    export HF_ENDPOINT=$hub_url
    # The stand-in serves model downloads only; provider mappings still come from the real Hub.
    export Cloud__HubUrl=${Cloud__HubUrl:-https://huggingface.co}
    export LocalModels__Models__0__Id=webdemo/distilbert-tiny-sst2
    export LocalModels__Models__0__Dtype=fp32
    # No pretrained T5 can be fetched here: summarization and translation run the repository's
    # tiny random-weight T5, which shows the whole pipeline working but writes meaningless text.
    export LocalModels__Models__1__Id=webdemo/t5-tiny-random
    export LocalModels__Models__2__Id=webdemo/t5-tiny-random
    # Likewise chat runs the repository's tiny random-weight Llama (SmolLM2-360M-Instruct elsewhere).
    export LocalModels__Models__3__Id=webdemo/llama-tiny-random
    export LocalModels__Models__3__Dtype=fp32
    # And images come from the repository's tiny random-weight Stable Diffusion pipeline: the
    # steps, previews and image are real, the picture is coloured noise.
    export LocalModels__Models__4__Id=webdemo/sd-tiny-random
    echo "Local models from $shared/models, served at $HF_ENDPOINT"
fi

export HF_HOME=${HF_HOME:-$artifacts/hf-home}
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://0.0.0.0:$port}
echo "WebDemo at http://localhost:$port"
cd "$artifacts/app"
dotnet WebDemo.dll &
app_pid=$!
pids+=("$app_pid")
# The app's own exit status is the script's (a failed start included); Ctrl+C ends with 130.
status=0
wait "$app_pid" || status=$?
exit "$status"
