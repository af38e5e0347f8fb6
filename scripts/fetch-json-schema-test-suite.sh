#!/usr/bin/env bash
# Fetches the official JSON-Schema-Test-Suite (draft 2020-12 tests and remotes) into
# .state/json-schema-test-suite/. The suite ships inside the jsonschema sdist on PyPI, the one
# registry reachable from CI; Debian's json-schema-test-suite package stops at draft 7.
# Idempotent: does nothing when the suite is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.state/json-schema-test-suite"
version="4.26.0"

if [[ -d "$target/tests/draft2020-12" && -d "$target/remotes" ]]; then
    echo "JSON-Schema-Test-Suite already at $target"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$work" "jsonschema==$version" >&2
archive="$(ls "$work"/jsonschema-*.tar.gz | head -n 1)"
tar -xzf "$archive" -C "$work"
suite="$work/jsonschema-$version/json"
if [[ ! -d "$suite/tests/draft2020-12" || ! -d "$suite/remotes" ]]; then
    echo "error: $archive has no json/tests/draft2020-12 or json/remotes" >&2
    exit 1
fi

mkdir -p "$(dirname "$target")"
rm -rf "$target.partial"
mkdir -p "$target.partial"
cp -R "$suite/." "$target.partial/"
rm -rf "$target"
mv "$target.partial" "$target"
echo "JSON-Schema-Test-Suite (jsonschema $version) at $target"
