#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: system packages
# (Tesseract with Simplified Chinese, CJK fonts, poppler, redis-server) and the
# Python package with its dev extras. Idempotent; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata >/dev/null 2>&1 || need_apt+=(tesseract-ocr-chi-sim)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
# the scan corpus's other faces (samples/corpus_typeset.py): Song, Ming, Kai, Hei, Latin digits
for pkg_file in fonts-arphic-gbsn00lp:arphic-gbsn00lp/gbsn00lp.ttf fonts-arphic-uming:arphic/uming.ttc \
    fonts-arphic-gkai00mp:arphic-gkai00mp/gkai00mp.ttf fonts-arphic-ukai:arphic/ukai.ttc \
    fonts-lxgw-wenkai:lxgw-wenkai/LXGWWenKai-Regular.ttf fonts-wqy-microhei:wqy/wqy-microhei.ttc \
    fonts-liberation2:liberation2/LiberationSerif-Regular.ttf; do
  [ -f "/usr/share/fonts/truetype/${pkg_file#*:}" ] || need_apt+=("${pkg_file%%:*}")
done
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v qpdf >/dev/null || need_apt+=(qpdf)
command -v chromium >/dev/null || need_apt+=(chromium)  # the review page's browser test
command -v soffice >/dev/null || need_apt+=(libreoffice-calc-nogui)  # tests convert the batch XLSX to CSV
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${need_apt[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install with apt-get: ${need_apt[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
extras=${EXTRAS:-dev}
if ! log=$($PY -m pip install -q --disable-pip-version-check -e ".[$extras]" 2>&1); then
  echo "$log" >&2
  echo "setup: pip install failed" >&2
  exit 1
fi

# An environment set up before PP-OCRv5 replaced PP-OCRv4 holds rapidocr-onnxruntime and the
# opencv-python (GUI) wheel it required, which writes the same cv2 package as the headless one
# (OpenCV's docs: install one). Removed when nothing else needs it; removing it deletes the cv2
# files both wheels wrote, so the headless wheel is laid again.
pip_() { $PY -m pip "$@" --disable-pip-version-check -q; }
required_by() { $PY -m pip show "$1" 2>/dev/null | sed -n 's/^Required-by: *//p'; }
for stale in rapidocr-onnxruntime pytesseract; do
  if $PY -m pip show "$stale" >/dev/null 2>&1 && [ -z "$(required_by "$stale")" ]; then
    echo "setup: pip uninstall $stale (no longer used)"
    pip_ uninstall -y "$stale"
  fi
done
if $PY -m pip show opencv-python >/dev/null 2>&1 && [ -z "$(required_by opencv-python)" ]; then
  headless=$($PY -m pip show opencv-python-headless | sed -n 's/^Version: *//p')
  echo "setup: pip uninstall opencv-python (the headless wheel stays, reinstalled)"
  pip_ uninstall -y opencv-python
  pip_ install --force-reinstall --no-deps "opencv-python-headless==$headless"
fi
