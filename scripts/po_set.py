#!/usr/bin/env python3
"""Keep the Chinese catalog in step with the code.

    .venv/bin/python scripts/po_set.py                      # list untranslated messages
    .venv/bin/python scripts/po_set.py translations.json    # merge {"English id": "中文", ...}

A message with a context (``pgettext("meeting reply", "Accepted")``) is given as an object under its
context: {"meeting reply": {"Accepted": "已接受"}}, and listed as ``"meeting reply|Accepted"``.

Extracts every message from the code and templates, adds the new ones to
hub/locale/zh_CN/LC_MESSAGES/messages.po, drops the ones no longer used, merges the given
translations, and prints what is still untranslated (exit status 1 if anything is).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "hub/locale/zh_CN/LC_MESSAGES/messages.po"


def main() -> int:
    given: dict[tuple[str, str | None], str] = {}
    for name in sys.argv[1:]:
        for key, value in json.loads(Path(name).read_text(encoding="utf-8")).items():
            if isinstance(value, dict):
                given.update({(message, key): text for message, text in value.items()})
            else:
                given[(key, None)] = value
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "N_",
                "-k",
                "NC_:1c,2",
                "-o",
                str(pot),
                "hub",
                "referrals",
                "meetings",
                "rtc",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as fh:
            template = read_po(fh)
    with PO.open("rb") as fh:
        old = {(m.id, m.context): m.string for m in read_po(fh) if m.id}
    catalog = Catalog(locale="zh_CN", project="gongtiao", fuzzy=False)
    missing = []
    for message in template:
        if not message.id:
            continue
        key = (message.id, message.context)
        text = given.get(key) or old.get(key) or ""
        if not text:
            missing.append(f"{message.context}|{message.id}" if message.context else message.id)
        catalog.add(
            message.id, text, locations=message.locations, flags=message.flags, context=message.context
        )
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=110, omit_header=False)
    for message in missing:
        print(json.dumps(message, ensure_ascii=False))
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
