#!/usr/bin/env bash
# Install the Debian packages the test suite needs when they are missing: Chromium for the
# browser tests (Playwright never downloads a browser here: it drives /usr/bin/chromium) and GNU
# gettext, whose makemessages / msgfmt check of the French catalogue (tests/test_i18n.py) is
# never skipped; Pango (and its FreeType backend) for WeasyPrint, which renders the PDF
# preparation sheets with the DejaVu fonts.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || missing+=("$lib")
done
{ command -v xgettext && command -v msgfmt; } >/dev/null 2>&1 || missing+=(gettext)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
