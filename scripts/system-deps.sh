#!/usr/bin/env bash
# System packages the project needs, installed with apt-get when run as root (otherwise it says
# what to install). Two sets:
#   base — what `make run` needs: Python's venv module (Debian and Ubuntu ship it apart, as
#          python3-venv), checked before the virtual environment is made.
#   test — what `make test` needs besides: Debian's chromium (browser tests, never a downloaded
#          browser), CJK fonts (Chinese pages and PDFs), poppler-utils (pdftoppm, pdftotext),
#          poppler-data (the Adobe-GB1 CMaps without which poppler reads no Chinese from our
#          CID-font PDFs; apt only recommends it, and we install without recommends), npm
#          (axe-core for the accessibility scans), libreoffice-calc (headless, to open the
#          XLSX exports as an office would) and libreoffice-draw (headless LibreOffice opens a
#          PDF only through Draw's PDF import: the reports' tests open each PDF with it).
set -euo pipefail
set_name=${1:-test}
python=${PYTHON:-python3}
missing=()
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  missing+=("python${version}-venv")
fi
if [ "$set_name" = test ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -d /usr/share/poppler/cMap/Adobe-GB1 ] || missing+=(poppler-data)
  ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
  ls /usr/lib/libreoffice/program/libsdlo.so >/dev/null 2>&1 || missing+=(libreoffice-draw)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
