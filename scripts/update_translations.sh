#!/usr/bin/env bash
# Re-extract the Vietnamese source strings, merge them into the English catalogue and compile it.
#
#   scripts/update_translations.sh
#
# Afterwards, translate every new or empty msgstr in elearn/translations/en/LC_MESSAGES/messages.po
# and run the script again (it recompiles the .mo). tests/unit/test_translations.py fails while
# any msgid is untranslated or the .mo is stale.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
PYTHON="${PYTHON:-.venv/bin/python}"
if [[ ! -x "$PYBABEL" ]]; then PYBABEL=pybabel; fi
if [[ ! -x "$PYTHON" ]]; then PYTHON=python3; fi

TRANSLATIONS=elearn/translations
POT="$TRANSLATIONS/messages.pot"
PO="$TRANSLATIONS/en/LC_MESSAGES/messages.po"

"$PYBABEL" --quiet extract -F babel.cfg -k _l -k lazy_gettext \
    --no-location --sort-output --omit-header --no-wrap \
    -o "$POT" .

"$PYBABEL" --quiet update -i "$POT" -d "$TRANSLATIONS" -D messages -l en \
    --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --no-wrap

# --use-fuzzy is deliberately absent: a fuzzy entry is not shipped.
"$PYBABEL" compile --statistics -d "$TRANSLATIONS" -D messages -l en

"$PYTHON" - "$PO" <<'PY'
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle, locale="en")
messages = [message for message in catalog if message.id]
untranslated = [message for message in messages if not message.string or message.fuzzy]
print(f"{len(messages)} msgids, {len(untranslated)} untranslated or fuzzy in {sys.argv[1]}")
for message in untranslated:
    print(f"  - {message.id!r}")
PY
