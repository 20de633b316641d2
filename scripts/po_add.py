"""Add or update translations in one part file: python scripts/po_add.py PART.po < pairs.json

pairs.json is {"English source": "中文", ...}. Existing entries are kept unless given again.
"""

import json
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
pairs = json.load(sys.stdin)
try:
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
except FileNotFoundError:
    catalog = Catalog(locale="zh_Hans_CN", project="starrating")
for msgid, msgstr in pairs.items():
    catalog.add(msgid, msgstr, flags=("python-format",) if "%(" in msgid else ())
with open(path, "wb") as fh:
    write_po(fh, catalog, sort_output=True, omit_header=False, width=100)
