"""PDFs come out with Chinese text in an embedded font, read back by pdftotext."""

import shutil
import subprocess
from pathlib import Path

import pytest

from hub.documents import fonts_available, render_pdf


async def test_a_chinese_document_reads_back_as_text(tmp_path: Path) -> None:
    assert fonts_available(), "install fonts-noto-cjk (make test does)"
    assert shutil.which("pdftotext"), "install poppler-utils (make test does)"
    html = """<html><body><h1>人民调解协议书</h1><p>甲方王芳与乙方李雷就相邻纠纷达成如下协议。</p>
              <table><tr><th>义务人</th><th>金额</th></tr><tr><td>李雷</td><td>3,000 元</td></tr></table>
              </body></html>"""
    pdf = await render_pdf(html)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "人民调解协议书" in text.replace(" ", "")
    assert "甲方王芳与乙方李雷" in text
    assert "第1页/共1页" in text.replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and "yes" in fonts  # embedded (subset) CJK font


@pytest.mark.parametrize("bad", ["", "<html>"])
async def test_degenerate_html_still_renders(bad: str) -> None:
    assert (await render_pdf(bad)).startswith(b"%PDF")
