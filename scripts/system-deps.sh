#!/usr/bin/env bash
# Installs the Debian packages collecte needs, only those missing; safe to run again (idempotent).
#   scripts/system-deps.sh            runtime + test packages
#   scripts/system-deps.sh bench      also the benchmark peers (postfix for smtp-source)
set -euo pipefail

packages=(
  ca-certificates
  libmagic1            # python-magic: file type from bytes
  tesseract-ocr        # OCR engine
  tesseract-ocr-fra
  tesseract-ocr-eng
  redis-server         # broker for scaled-out workers (tests start their own)
  poppler-utils        # pdftotext/pdftoppm, used by benchmarks and by hand
  swaks                # the README's example SMTP client
  fonts-dejavu-core    # font of the generated fixture invoices (their bytes depend on it)
  dovecot-imapd        # a real IMAP server for the IMAP poller tests (started by the tests, not as a service)
  openssl              # self-signed certificates for the IMAP TLS tests
  postgresql           # a throwaway PostgreSQL for the store and booking tests (started by the tests)
  chromium             # headless browser of the dashboard page test (driven by Playwright, never downloaded)
)
if [[ "${1:-}" == "bench" ]]; then
  packages+=(postfix)  # smtp-source load generator and the private Postfix peer
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
