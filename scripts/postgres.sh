#!/usr/bin/env bash
# Install Debian's PostgreSQL server for the state tests where it is missing (they start their own
# throwaway cluster). Without root or apt-get, say so loudly: those tests are then skipped.
set -uo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "setup: installing PostgreSQL for the state tests (first time only)…" >&2
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null \
     || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null; }; then
    exit 0
  fi
fi
echo "setup: WARNING: PostgreSQL is not installed and can't be installed here;" \
     "the PostgreSQL state tests will be SKIPPED (apt-get install postgresql as root to run them)." >&2
