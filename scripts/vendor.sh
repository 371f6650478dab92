#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry. Running the project never needs
# Node.js: the results are committed under src/samenveilig/static/vendor/ with VERSIONS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/samenveilig/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

packages=(
  "htmx.org@2.0.8"
  "leaflet@1.9.4"
  "@utrecht/component-library-css@9.0.4"
  "@utrecht/design-tokens@5.0.1"
)
(cd "$work" && for p in "${packages[@]}"; do npm pack --silent "$p" >/dev/null; done)
for tgz in "$work"/*.tgz; do
  d="$work/$(basename "$tgz" .tgz)"; mkdir -p "$d"; tar xzf "$tgz" -C "$d"
done

rm -rf "$dest"; mkdir -p "$dest"/{htmx,leaflet/images,utrecht}
cp "$work"/htmx.org-*/package/dist/htmx.min.js "$dest/htmx/"
cp "$work"/htmx.org-*/package/LICENSE "$dest/htmx/LICENSE"
cp "$work"/leaflet-*/package/dist/leaflet.js "$work"/leaflet-*/package/dist/leaflet.css "$dest/leaflet/"
cp "$work"/leaflet-*/package/dist/images/*.png "$dest/leaflet/images/"
cp "$work"/leaflet-*/package/LICENSE "$dest/leaflet/LICENSE"
cp "$work"/utrecht-component-library-css-*/package/dist/index.css "$dest/utrecht/component-library.css"
cp "$work"/utrecht-component-library-css-*/package/dist/html.css "$dest/utrecht/html.css"
cp "$work"/utrecht-component-library-css-*/package/LICENSE.md "$dest/utrecht/LICENSE-component-library.md"
cp "$work"/utrecht-design-tokens-*/package/dist/index.css "$dest/utrecht/design-tokens.css"
cp "$work"/utrecht-design-tokens-*/package/LICENSE.md "$dest/utrecht/LICENSE-design-tokens.md"

{
  echo "# Vendored front-end assets"
  echo
  echo "Refreshed by \`make vendor\` (scripts/vendor.sh) from the npm registry. Do not edit by hand."
  echo
  echo "| package | version | licence | files |"
  echo "|---|---|---|---|"
  for p in "${packages[@]}"; do
    name=${p%@*}; version=${p##*@}
    licence=$(npm view "$p" license 2>/dev/null || echo "see LICENSE")
    echo "| $name | $version | $licence | $(case $name in htmx.org) echo htmx/;; leaflet) echo leaflet/;; *) echo utrecht/;; esac) |"
  done
} > "$dest/VERSIONS.md"
echo "vendored into $dest"
