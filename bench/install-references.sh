#!/usr/bin/env bash
# Installs the reference proxies the bench compares Olla with: nginx and HAProxy from Debian's
# packages, and Portkey's gateway from npm into its own prefix (never into the project's
# dependencies). Each one that fails to install is reported and the bench skips its row.
#   bash bench/install-references.sh            (npm run bench -- --install-references)
set -u

portkey_dir="${OLLA_BENCH_PORTKEY_DIR:-/tmp/portkey}"
status=0

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx haproxy; }; then
    echo "install-references: apt-get could not install nginx and HAProxy" >&2
    status=1
  fi
  # The bench runs its own nginx and HAProxy; the packaged services would only hold ports.
  for service in nginx haproxy; do
    if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true; fi
    if [ -x "/etc/init.d/$service" ]; then $sudo "/etc/init.d/$service" stop >/dev/null 2>&1 || true; fi
  done
else
  echo "install-references: no apt-get here; install nginx and HAProxy with your package manager" >&2
  status=1
fi

if ! npm install --prefix "$portkey_dir" --no-audit --no-fund --loglevel=error @portkey-ai/gateway; then
  echo "install-references: npm could not install @portkey-ai/gateway into $portkey_dir" >&2
  status=1
fi

for tool in nginx haproxy; do
  if command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ]; then echo "install-references: $tool ready"; fi
done
if [ -f "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
  echo "install-references: Portkey gateway ready in $portkey_dir"
fi
# LiteLLM's proxy in a venv of the bench's own (gitignored); the bench skips it when this fails.
litellm_venv="$(dirname "$0")/litellm-venv"
if python3 -m venv "$litellm_venv" && "$litellm_venv/bin/pip" install --quiet 'litellm[proxy]'; then
  echo "install-references: LiteLLM proxy ready in $litellm_venv"
else
  echo "install-references: could not install litellm[proxy] into $litellm_venv" >&2
  status=1
fi
exit "$status"
