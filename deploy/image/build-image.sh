#!/usr/bin/env bash
# Builds the gateway's container image from local files only: a jlinked runtime, the shared
# libraries it loads (found by ldd, copied to the same paths), the gateway's jar and, on JDK 25+,
# its AOT cache (train-aot-cache.sh), FROM scratch.
# No base image exists to be pulled, and nothing is pulled.
#   deploy/image/build-image.sh [tag]     (bin/poolgate image calls it; default tags poolgate:<version>
#                                          and poolgate:latest)
# Needs: a JDK 21+ with jlink (JAVA to its bin/java, or found as bin/poolgate finds it), ldd,
# the docker CLI and an engine, and the jar (built first when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
jar="$root/http-server/target/poolgate-server.jar"
java="${JAVA:-}"
if [ -z "$java" ]; then
  for candidate in "${POOLGATE_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/jlink" ] && [ -f "$candidate/release" ] || continue
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$candidate/release")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then java="$candidate/bin/java"; break; fi
  done
fi
if [ -z "$java" ] || [ ! -x "$(dirname "$java")/jlink" ]; then
  echo "build-image: needs a JDK 21+ with jlink: set JAVA_HOME (or POOLGATE_JAVA_HOME) to one" >&2
  exit 1
fi
if [ ! -f "$jar" ]; then
  echo "build-image: building the jar first" >&2
  (cd "$root" && mvn -B -q -Dmaven.test.skip=true package -pl http-server -am)
fi
version=$("$java" -jar "$jar" --version | awk '{print $2}')
tag="${1:-poolgate:$version}"
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
rootfs="$context/rootfs"
mkdir -p "$rootfs/opt/poolgate" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
# What the gateway needs (jdeps lists java.desktop and java.sql too: Jackson's and logback's
# optional support for java.beans and JDBC, which the gateway never uses).
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.xml,jdk.httpserver,jdk.management,jdk.unsupported
"$(dirname "$java")/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$rootfs/opt/java"
# The libraries the launcher and the runtime's own .so files load, outside the runtime.
{ ldd "$rootfs/opt/java/bin/java"; find "$rootfs/opt/java" -name '*.so' -exec ldd {} \; ; } 2>/dev/null \
  | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}' | grep '^/' | grep -v "^$rootfs" | sort -u \
  | while read -r library; do
      mkdir -p "$rootfs$(dirname "$library")"
      cp -L "$library" "$rootfs$library"
    done
# jlink links some legal notices: plain copies in the image.
find "$rootfs" -type l | while read -r link; do target=$(readlink -f "$link"); rm "$link"; cp "$target" "$link"; done
cp "$jar" "$rootfs/opt/poolgate/poolgate-server.jar"
# The defaults bin/poolgate uses (docs/performance.md): peak RSS near 81 MiB under load.
defaults="-XX:+UseSerialGC -Xmx64m -Xmn12m -Xss256k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -XX:CompileCommand=quiet -XX:CompileCommand=exclude,jdk.internal.classfile.impl.StackMapGenerator::processBlock"
read -r -a options <<<"$defaults"
# On JDK 25+ the image carries an AOT cache, written here by a training start of the image's own
# runtime and jar (train-aot-cache.sh): the container answers first in about half the time
# (docs/deploy.md). With C1 only, no method profiles are recorded or replayed, as in bin/poolgate.
major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rootfs/opt/java/release")
if [ "$major" -ge 25 ]; then
  options+=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:-AOTReplayTraining)
  echo "build-image: training the AOT cache (a start of the gateway on loopback, about 10 s)" >&2
  "$root/deploy/image/train-aot-cache.sh" "$rootfs/opt/java/bin/java" "$rootfs/opt/poolgate/poolgate-server.jar" \
    "$rootfs/opt/poolgate/poolgate-server.aot" "${options[@]}"
  options+=(-XX:AOTCache=/opt/poolgate/poolgate-server.aot '-Xlog:aot*=off' '-Xlog:cds*=off')
else
  echo "build-image: JDK $major has no AOT cache (JDK 25+): the image starts without one" >&2
fi
entrypoint=$(printf '"%s", ' /opt/java/bin/java "${options[@]}" -jar)
cat > "$context/Dockerfile" <<DOCKERFILE
# The poolgate gateway on a jlinked runtime: no base image, nothing to pull.
FROM scratch
COPY rootfs/ /
ENV POOLGATE_HOST=0.0.0.0 POOLGATE_PORT=8000
EXPOSE 8000
# SIGTERM drains requests in flight (--drain-timeout); the JVM then exits with status 143.
STOPSIGNAL SIGTERM
ENTRYPOINT [${entrypoint}"/opt/poolgate/poolgate-server.jar"]
DOCKERFILE
# Without a tag given, the image is also poolgate:latest; with one, only that tag (so a build for
# the test suite leaves nothing behind when it removes its tag).
tags=(-t "$tag")
[ $# -eq 0 ] && tags+=(-t poolgate:latest)
docker build --quiet --label "org.opencontainers.image.version=$version" "${tags[@]}" "$context" >/dev/null
echo "$tag"
