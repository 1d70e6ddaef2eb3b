# WebDemo as a Hugging Face Space (sdk: docker, app_port: 7860).
#   CPU (default):  docker build -t webdemo .
#   GPU (CUDA):     docker build -t webdemo:gpu --build-arg VARIANT=gpu .
#                   docker run --gpus all -p 7860:7860 webdemo:gpu
# The GPU variant builds with -p:OnnxRuntimeGpu=true (Microsoft.ML.OnnxRuntime.Gpu from nuget.org)
# on a CUDA 12 + cuDNN 9 runtime image; the app picks CUDA at start and says so on /status.
ARG VARIANT=cpu

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG VARIANT
WORKDIR /src
COPY . .
RUN dotnet publish src/WebDemo/WebDemo.csproj -c Release -o /app \
        -p:OnnxRuntimeGpu=$([ "$VARIANT" = gpu ] && echo true || echo false)

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime-cpu

# ONNX Runtime's CUDA provider needs CUDA 12 and cuDNN 9; the .NET runtime comes from the aspnet image.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime-gpu
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu74 \
    && rm -rf /var/lib/apt/lists/* \
    && (userdel -r ubuntu 2>/dev/null || true)
ENV Onnx__ExecutionProvider=cuda

FROM runtime-${VARIANT} AS final
# Spaces run the container as user 1000; models are cached under its home.
RUN useradd --create-home --uid 1000 user
USER user
ENV HOME=/home/user \
    HF_HOME=/home/user/.cache/huggingface \
    ASPNETCORE_URLS=http://0.0.0.0:7860 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /home/user/app
COPY --from=build --chown=user /app .
EXPOSE 7860
ENTRYPOINT ["dotnet", "WebDemo.dll"]
