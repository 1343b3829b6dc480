# The stratum image: a NativeAOT `stratum` on a slim Debian with LVM and the filesystem tools.
#
#   docker build -t registry.example.com/stratum:0.1.0 .          (or: podman build / buildah bud)
#
# The runtime stage's packages come from image/runtime-packages, which tests/image/run also
# reads: it builds the same root with debootstrap (same suite) and runs the published binary in
# it on real LVM. Keep DEBIAN_SUITE and DEBIAN_IMAGE the same Debian release.
ARG DEBIAN_IMAGE=docker.io/library/debian:12.11-slim
ARG DEBIAN_SUITE=bookworm

# ---- build: NativeAOT publish on the same Debian release as the runtime, so the binary links
# against the glibc it will run with ------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ARG DOTNET_SDK_VERSION=10.0.401
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/usr/share/dotnet:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
# clang links the native binary; zlib1g-dev is the link-time zlib the AOT compiler asks for.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl clang zlib1g-dev \
 && curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh \
 && bash /tmp/dotnet-install.sh --version "$DOTNET_SDK_VERSION" --install-dir "$DOTNET_ROOT" \
 && rm -rf /var/lib/apt/lists/* /tmp/dotnet-install.sh
WORKDIR /src
# Restore first, from the project files only, so source edits reuse the restore layer.
COPY global.json NuGet.config Directory.Build.props Directory.Packages.props ./
COPY src/Stratum.Cli/Stratum.Cli.csproj src/Stratum.Cli/
COPY src/Stratum.Csi/Stratum.Csi.csproj src/Stratum.Csi/
COPY src/Stratum.Volumes/Stratum.Volumes.csproj src/Stratum.Volumes/
COPY src/Stratum.Lvm/Stratum.Lvm.csproj src/Stratum.Lvm/
COPY src/Stratum.Config/Stratum.Config.csproj src/Stratum.Config/
COPY src/Stratum.Platform/Stratum.Platform.csproj src/Stratum.Platform/
COPY src/Stratum.Kube/Stratum.Kube.csproj src/Stratum.Kube/
COPY src/Stratum.Metrics/Stratum.Metrics.csproj src/Stratum.Metrics/
RUN dotnet restore src/Stratum.Cli -r linux-x64 -p:PublishAot=true
COPY src/ src/
RUN dotnet publish src/Stratum.Cli -c Release -r linux-x64 -p:PublishAot=true --no-restore -o /out \
 && rm -f /out/*.dbg \
 && /out/stratum version

# ---- runtime -----------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime
ARG DEBIAN_SUITE
COPY image/runtime-packages /tmp/runtime-packages
# The image test builds its root from DEBIAN_SUITE: fail here if the base image is another release.
RUN . /etc/os-release && [ "$VERSION_CODENAME" = "$DEBIAN_SUITE" ] \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(sed -e 's/#.*//' /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
COPY --from=build /out/stratum /usr/local/bin/stratum
# tini is PID 1: it passes SIGTERM on to stratum (which drains in-flight calls) and reaps the
# orphans LVM can leave (dmeventd, background pollers).
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/stratum"]
CMD ["node"]
