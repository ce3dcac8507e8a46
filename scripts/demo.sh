#!/usr/bin/env bash
# The README's first command: set up, then run the main job on the samples with
# the embedded default (in-process queue, SQLite; no Redis, no server) and export.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${EXTRAS:-dev} ./scripts/setup.sh
out=${1:-out}
export EXTRACTOR_DATABASE_URL=${EXTRACTOR_DATABASE_URL:-sqlite:///$out/extractor.db}
export EXTRACTOR_STORE=${EXTRACTOR_STORE:-$out/store}
mkdir -p "$out"
# born-digital annexes, and scanned ones (image-only PDFs, a fax TIFF, photographed pages)
extractor extract samples/digital/*.pdf samples/scans/*-typical.pdf samples/scans/*.tiff \
  samples/scans/*.png samples/scans/*.jpg -o "$out/records" --format json,csv,xlsx
if extractor submit --help >/dev/null 2>&1; then
  extractor submit samples/digital/*.pdf --batch demo
  extractor status
  extractor export -o "$out/export" --format json,csv,xlsx --batch demo
fi
echo "records in $out/records (one JSON per document, plus batch.csv and batch.xlsx)"
