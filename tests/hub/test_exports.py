"""CSV and XLSX writers: what goes in comes back out, in Chinese, safely."""

from __future__ import annotations

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest

from hub.exports import column_name, csv_bytes, sheet_name, xlsx_bytes

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HEADER = ["类别", "受理", "化解率 (%)"]
ROWS: list[list[str | int | float | None]] = [
    ["邻里纠纷", 12, 75.0],
    ["家庭 & 婚姻 <x>", 3, None],
    ["=1+1", 0, 0.5],
]


def test_csv_starts_with_a_byte_order_mark_and_reads_back() -> None:
    data = csv_bytes(HEADER, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1] == ["邻里纠纷", "12", "75.0"]
    assert rows[2] == ["家庭 & 婚姻 <x>", "3", ""]
    assert rows[3][0] == "'=1+1"  # never a formula in a spreadsheet


@pytest.mark.parametrize(
    ("index", "name"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_names(index: int, name: str) -> None:
    assert column_name(index) == name


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("2026-11-01~2026-11-30", "2026-11-01~2026-11-30"),
        ("a/b:c", "a b c"),
        ("", "Sheet1"),
        ("x" * 40, "x" * 31),
    ],
)
def test_sheet_names_are_made_valid(given: str, name: str) -> None:
    assert sheet_name(given) == name


def read_xlsx(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert book.testzip() is None
        types = ElementTree.fromstring(book.read("[Content_Types].xml"))
        assert any(o.get("PartName") == "/xl/worksheets/sheet1.xml" for o in types)
        ElementTree.fromstring(book.read("_rels/.rels"))
        ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        assert workbook.find("x:sheets/x:sheet", NS) is not None
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    out = []
    for row in sheet.iterfind(".//x:row", NS):
        cells = {}
        for c in row.iterfind("x:c", NS):
            node = c.find("x:is/x:t", NS) if c.get("t") == "inlineStr" else c.find("x:v", NS)
            cells[c.get("r", "")[0]] = node.text if node is not None and node.text is not None else ""
        out.append([cells.get(col, "") for col in "ABC"])
    return out


def test_xlsx_reads_back_with_inline_strings_and_numbers() -> None:
    rows = read_xlsx(xlsx_bytes(HEADER, ROWS, name="统计"))
    assert rows[0] == HEADER
    assert rows[1] == ["邻里纠纷", "12", "75.0"]
    assert rows[2] == ["家庭 & 婚姻 <x>", "3", ""]
    assert rows[3] == ["=1+1", "0", "0.5"]  # a string cell, not a formula


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    rows = read_xlsx(xlsx_bytes(["a\x00b\x1fc"], [["ok\x0b"]]))
    assert rows == [["abc", "", ""], ["ok", "", ""]]
