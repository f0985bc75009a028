#!/usr/bin/env bash
# CI steps after the tests: release hygiene.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "::: changeset status (a change to a published package needs a changeset)"
pnpm changeset status
