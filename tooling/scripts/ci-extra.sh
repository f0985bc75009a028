#!/usr/bin/env bash
# CI steps after the tests: release hygiene and the public contract.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "::: changeset status (a change to a published package needs a changeset)"
pnpm changeset status

echo "::: contract smoke test of the built lom (../shared/tools/contract/smoke.mjs)"
if [ -f ../shared/tools/contract/smoke.mjs ]; then
  node ../shared/tools/contract/smoke.mjs .
else
  echo "::: ../shared/tools/contract/smoke.mjs not found beside the clone" >&2
  exit 1
fi
