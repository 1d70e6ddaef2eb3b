# WebDemo as a Hugging Face Space (sdk: docker, app_port: 7860).
#   CPU (default):  docker build -t webdemo .
#   GPU (CUDA):     docker build -t webdemo:gpu --build-arg VARIANT=gpu .
#                   docker run --gpus all -p 7860:7860 webdemo:gpu
# The GPU variant builds with -p:OnnxRuntimeGpu=true (Microsoft.ML.OnnxRuntime.Gpu from nuget.org)
# on a CUDA 13 + cuDNN 9 runtime image; the app picks CUDA at start and says so on /status.
ARG VARIANT=cpu

# Only the project files under src/, each in its own folder: what `dotnet restore` reads. The
# restore layer below is reused until one of them changes, not on every .cs or .razor edit.
# (A plain `COPY src/*/*.csproj` would flatten the folders.) Files and links (the wwwroot link)
# go; empty folders too.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY src/ src/
RUN find src ! -type d ! -name '*.csproj' -delete \
    && find src -type d -empty -delete

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG VARIANT
WORKDIR /src
COPY WebDemo.slnx Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY --from=projects /src/src/ src/
# linux-x64 only: the ONNX Runtime packages carry native libraries for every platform, and a
# RID-less publish ships them all (~210 MB of win/osx/arm). Restore and publish must name the
# same RID and the same OnnxRuntimeGpu, or `publish --no-restore` finds no matching assets.
# The GPU package's Windows half copies its win-x64 DLLs (~205 MB) into any x64 build whatever the
# RID; Directory.Build.targets drops them from Linux builds.
# The placeholder .razor file: the Web SDK restores the Blazor scripts package
# (Microsoft.AspNetCore.App.Internal.Assets: _framework/blazor.web.js) only for a project in
# which it sees .razor files, and this layer has none; without it the image would serve
# /_framework/blazor.web.js as 404. (-p:RequiresAspNetWebAssets=true would add it to the
# class libraries too.)
RUN gpu=$([ "$VARIANT" = gpu ] && echo true || echo false) \
    && touch src/WebDemo/_RestoreOnly.razor \
    && dotnet restore src/WebDemo/WebDemo.csproj -r linux-x64 -p:OnnxRuntimeGpu=$gpu \
    && rm src/WebDemo/_RestoreOnly.razor
# .dockerignore keeps bin/ and obj/ out: a host obj/project.assets.json would replace the restore above.
COPY . .
RUN gpu=$([ "$VARIANT" = gpu ] && echo true || echo false) \
    && dotnet publish src/WebDemo/WebDemo.csproj -c Release -o /app --no-restore \
        -r linux-x64 --self-contained false -p:OnnxRuntimeGpu=$gpu

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime-cpu

# ONNX Runtime 1.31's CUDA provider links CUDA 13 (libcublasLt.so.13, libcudart.so.13) and needs
# cuDNN 9; the .NET runtime comes from the aspnet
# image, its native dependencies (as the .NET runtime-deps image installs them) from apt;
# noninteractive, or tzdata stops the build to ask for a time zone.
FROM nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04 AS runtime-gpu
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libicu74 libssl3t64 tzdata \
    && rm -rf /var/lib/apt/lists/*
ENV Onnx__ExecutionProvider=cuda

FROM runtime-${VARIANT} AS final
# Both bases are Ubuntu 24.04 images, which ship a user `ubuntu` with uid/gid 1000. Spaces run
# the container as uid 1000, so that user goes and `user` (uid 1000, home /home/user) takes its
# place; if userdel failed, useradd fails loudly on the taken uid.
# curl is for the HEALTHCHECK: neither base image has curl or wget.
RUN (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --create-home --uid 1000 user \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
USER user
ENV HOME=/home/user \
    HF_HOME=/home/user/.cache/huggingface \
    ASPNETCORE_URLS=http://0.0.0.0:7860 \
    Hosting__TrustForwardedHeaders=true \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /home/user/app
COPY --from=build --chown=user /app .
EXPOSE 7860
# The app's liveness endpoint; the start period covers the first start of the runtime.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null --max-time 4 http://127.0.0.1:7860/healthz || exit 1
ENTRYPOINT ["dotnet", "WebDemo.dll"]
