#!/usr/bin/env bash
# Debian packages the tests and PDF reports need: chromium (browser tests), a CJK font
# (Chinese in screenshots and PDF report cards), poppler-utils (pdftotext in tests),
# LibreOffice Calc (opening exported workbooks as a user would).
# Installs what is missing when run as root with apt-get; otherwise says what is missing.
set -u  # no pipefail: `grep -q` closing a pipe early is not a failure here
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || want+=(fonts-wqy-microhei)
# Zen Hei covers CJK Extension A (e.g. 㛃), which PDF report cards need for rare names
fc-list 2>/dev/null | grep -qi "wenquanyi zen hei" || want+=(fonts-wqy-zenhei)
command -v pdftotext >/dev/null 2>&1 || want+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || want+=(libreoffice-calc-nogui)
command -v pg_dump >/dev/null 2>&1 || want+=(postgresql-client)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
    || echo "WARNING: could not install ${want[*]}; the tests that need them will be skipped."
else
  echo "Missing Debian packages (tests that need them are skipped): ${want[*]}"
  echo "  as root: apt-get install ${want[*]}"
fi
exit 0
