#!/bin/sh
# Installs what sluice needs to build and test on Debian (bookworm).
# Runs apt-get as root (directly, or through sudo when available).
set -eu
PKGS="gcc meson ninja-build pkg-config git ca-certificates \
  librdkafka-dev liburing-dev libjemalloc-dev libmicrohttpd-dev libzstd-dev libnuma-dev libavro-dev \
  python3 python3-pytest python3-requests python3-confluent-kafka kcat zstd curl gnuplot-nox time \
  libpq-dev postgresql-15 python3-psycopg2 \
  libgnutls28-dev openssl clang libclang-rt-14-dev \
  swift swift-proxy swift-object swift-account swift-container python3-boto3 \
  chromium chromium-driver python3-selenium systemd groff-base man-db"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root to install:$missing" >&2; exit 1; fi
else SUDO=""; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
