#!/usr/bin/env bash
# Fetches the official JSON-Schema-Test-Suite (draft 2020-12 tests and remotes) into
# .state/json-schema-test-suite/. The suite ships in the json/ folder of the jsonschema sdist on
# PyPI, the one registry reachable from CI; Debian's json-schema-test-suite package stops at draft 7.
#
# Downloads the sdist directly (URL from PyPI's JSON API), checks its SHA-256 against the pinned
# one and unpacks only json/: a few seconds, where `pip download` spent ~80 s building the
# sdist's metadata. Falls back to `pip download` when the JSON API cannot be reached.
# Idempotent: does nothing when the suite is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.state/json-schema-test-suite"
version="4.26.0"
sha256="0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326"  # jsonschema-4.26.0.tar.gz

if [[ -d "$target/tests/draft2020-12" && -d "$target/remotes" ]]; then
    echo "JSON-Schema-Test-Suite already at $target"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
archive="$work/jsonschema-$version.tar.gz"

# Prints "URL SHA256" of the sdist from PyPI's JSON API (the per-version document, or the
# package document's release list where the former is not served).
sdist_from_json_api() {
    local document
    for url in "https://pypi.org/pypi/jsonschema/$version/json" "https://pypi.org/pypi/jsonschema/json"; do
        if document="$(curl --fail --silent --show-error --location --max-time 60 "$url" 2>/dev/null)"; then
            python3 -c '
import json, sys
version = sys.argv[1]
doc = json.load(sys.stdin)
if doc.get("info", {}).get("version") == version:
    files = doc.get("urls", [])
else:
    files = doc.get("releases", {}).get(version, [])
for f in files:
    if f.get("packagetype") == "sdist" and f["filename"] == "jsonschema-%s.tar.gz" % version:
        print(f["url"], f["digests"]["sha256"])
        break
' "$version" <<<"$document" && return 0
        fi
    done
    return 1
}

if sdist="$(sdist_from_json_api)" && [[ -n "$sdist" ]]; then
    read -r url listed <<<"$sdist"
    if [[ "$listed" != "$sha256" ]]; then
        echo "error: PyPI lists sha256 $listed for jsonschema-$version.tar.gz, expected $sha256" >&2
        exit 1
    fi
    curl --fail --silent --show-error --location --max-time 300 --output "$archive" "$url"
else
    echo "PyPI JSON API unreachable; falling back to pip download (slow)" >&2
    python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$work" "jsonschema==$version" >&2
fi

actual="$(sha256sum "$archive" | cut -d' ' -f1)"
if [[ "$actual" != "$sha256" ]]; then
    echo "error: jsonschema-$version.tar.gz has sha256 $actual, expected $sha256" >&2
    exit 1
fi

tar -xzf "$archive" -C "$work" "jsonschema-$version/json"
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
