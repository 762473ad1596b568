#!/usr/bin/env bash
# Install the browser libraries from the npm registry and copy their dist files into
# geoservice/static/vendor/ (git-ignored), so pages never load anything from another host.
# Idempotent: does nothing when every needed file is already there. Needs node + npm only.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=geoservice/static/vendor
NEEDED=(
  leaflet/leaflet.js leaflet/leaflet.css
  leaflet/images/marker-icon.png leaflet/images/marker-icon-2x.png
  leaflet/images/marker-shadow.png leaflet/images/layers.png leaflet/images/layers-2x.png
  leaflet.markercluster/leaflet.markercluster.js
  leaflet.markercluster/MarkerCluster.css leaflet.markercluster/MarkerCluster.Default.css
  axe-core/axe.min.js
)
complete=1
for file in "${NEEDED[@]}"; do [ -f "$VENDOR/$file" ] || complete=0; done
if [ "$complete" = 1 ] && [ "${1:-}" != "--force" ]; then
  echo "install_vendor: $VENDOR is complete"
  exit 0
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
rm -rf "$VENDOR"
mkdir -p "$VENDOR/leaflet/images" "$VENDOR/leaflet.markercluster" "$VENDOR/axe-core"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$VENDOR/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$VENDOR/leaflet/images/"
cp node_modules/leaflet/LICENSE "$VENDOR/leaflet/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
   "$VENDOR/leaflet.markercluster/"
cp node_modules/leaflet.markercluster/MIT-LICENCE.txt "$VENDOR/leaflet.markercluster/" 2>/dev/null || true
# axe-core is only for the browser tests (injected by the test, never referenced by a page)
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$VENDOR/axe-core/"
for file in "${NEEDED[@]}"; do
  [ -f "$VENDOR/$file" ] || { echo "install_vendor: missing $VENDOR/$file" >&2; exit 1; }
done
echo "install_vendor: copied leaflet, leaflet.markercluster and axe-core into $VENDOR"
