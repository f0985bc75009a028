#!/usr/bin/env bash
# The tests of the published packages and lom's end-to-end tests on the other Node.js LTS lines
# (22 and 24), with the official binaries from the npm registry (tooling/node-lines). The
# machine's own Node has run the whole suite before this. Prints each line it tested.
set -uo pipefail
cd "$(dirname "$0")/../.."

PACKAGES=(@rune/mrs-schema @rune/mrs-core @rune/mrs-adapter-memory @rune/mrs-adapter-file @rune/mrs-adapter-http @rune/mrs-adapter-postgres)
status=0
for line in 22 24; do
  bin="tooling/node-lines/node_modules/node-$line/bin"
  if [ ! -x "$bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
      echo "::: Node $line: $bin/node is missing (pnpm install should have put it there)" >&2
      status=1
    else
      echo "::: Node $line: no official binary package for $(uname -s)-$(uname -m); not tested here"
    fi
    continue
  fi
  bin="$(cd "$bin" && pwd)"
  echo "::: tests on Node $("$bin/node" -v) ($bin/node)"
  filters=()
  for p in "${PACKAGES[@]}"; do filters+=(--filter "$p"); done
  # --reporter=default: the JSON reports (and so the summary line) stay those of the full run.
  if ! PATH="$bin:$PATH" pnpm "${filters[@]}" --workspace-concurrency=1 exec vitest run --reporter=default >"/tmp/node-$line.log" 2>&1; then
    tail -60 "/tmp/node-$line.log"
    echo "::: failed on Node $line" >&2
    status=1
    continue
  fi
  if ! PATH="$bin:$PATH" pnpm --filter @rune/lom exec vitest run --reporter=default test/lom.e2e.test.ts test/liveness.e2e.test.ts >>"/tmp/node-$line.log" 2>&1; then
    tail -60 "/tmp/node-$line.log"
    echo "::: lom end-to-end tests failed on Node $line" >&2
    status=1
    continue
  fi
  # Vitest colours its summary: strip the colour codes before reading the counts.
  sed 's/\x1b\[[0-9;]*m//g' "/tmp/node-$line.log" | grep -E "Tests +[0-9]+ passed" | sed "s/^/  Node $line: /"
done
exit $status
