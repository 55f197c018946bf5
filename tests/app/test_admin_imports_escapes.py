"""The imports page never shows a file's control or invisible characters as they are: a
right-to-left override or an ANSI escape in a rejected row is shown as its escape."""

from __future__ import annotations

import polars as pl

from tests.app.test_admin_imports import click

HOSTILE_CSV = (
    "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10)) + "\n"
    "C\u202e1000,phq9,2025-01-06,1,1,1,1,1,1,1,1,0\n"
    "C\x1b[31m2,phq9,2025-01-06,1,1,1,1,1,1,1,1,0\n"
)


def test_rejected_rows_are_shown_with_their_invisible_characters_as_escapes(open_app):
    at = open_app("admin", "admin_imports")
    at.file_uploader(key="import_files").set_value(
        ("look\u202ealike.csv", HOSTILE_CSV.encode(), "text/csv")
    ).run()
    click(at, "Import")
    assert not at.exception, at.exception
    (headline,) = (s.value for s in at.warning if "import #" in s.value)
    assert headline.startswith("look\\u202ealike.csv (csv, import #")
    assert "2 rows read = 0 accepted + 0 duplicates + 2 rejected" in headline
    imports, quarantine = (pl.from_pandas(d.value) for d in at.dataframe)
    assert imports["File"][0].endswith("look\\u202ealike.csv")
    assert quarantine.select("Row", "As it was in the file", "Why it was rejected").rows() == [
        (
            2,
            "C\\u202e1000,phq9,2025-01-06,1,1,1,1,1,1,1,1,0",
            "client_id 'C\\u202e1000' has an invisible or control character (\\u202e)",
        ),
        (
            3,
            "C\\x1b[31m2,phq9,2025-01-06,1,1,1,1,1,1,1,1,0",
            "client_id 'C\\x1b[31m2' has an invisible or control character (\\x1b)",
        ),
    ]
    shown = "".join(str(v) for frame in (imports, quarantine) for v in frame.rows())
    assert "\u202e" not in shown + headline
    assert "\x1b" not in shown
