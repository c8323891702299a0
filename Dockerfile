# The silo image (ghcr.io/mnemo/mnemo-silo, run by k8s/silo/daemonset.yaml).
#   docker build -t ghcr.io/mnemo/mnemo-silo:latest .
# Stage 1 builds the native engine (cmake, PMDK's libpmem2) and publishes the silo; stage 2 is the
# .NET runtime with libpmem2 and the published files, run as a non-root user.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake g++ make pkg-config libpmem2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The engine first: the publish copies build/native/libmnemo_engine.so next to the silo.
RUN cmake -S NativeEngine -B build/native-cmake -DCMAKE_BUILD_TYPE=Release \
    && cmake --build build/native-cmake -j"$(nproc)" --target mnemo_engine
RUN dotnet publish Silo/Mnemo.Silo.csproj -c Release --nologo -o /out \
    && test -f /out/libmnemo_engine.so

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpmem2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 mnemo \
    && useradd --uid 10001 --gid mnemo --no-create-home --shell /usr/sbin/nologin mnemo \
    && mkdir -p /var/lib/mnemo /pool \
    && chown mnemo:mnemo /var/lib/mnemo /pool
COPY --from=build /out /app
WORKDIR /app
USER 10001:10001
# 11111 Orleans silo, 30000 Orleans gateway, 11121 /healthz and /readyz, 11131 replica data plane;
# each Memshack's gateway listens on its mcrouter_port (5000 by default).
EXPOSE 11111 30000 11121 11131 5000
ENTRYPOINT ["dotnet", "/app/mnemo-silo.dll"]
