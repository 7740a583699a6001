"""Synthetic reports as office documents, and the corpus writer behind `ogi synth`.

- `to_docx(report, blocks)`: a Word file (python-docx) with real bordered tables, row/colspans
  merged as in the national forms.
- `docx_to_pdf(files, outdir)`: PDF through LibreOffice headless (`soffice`), in batches; when
  `soffice` is not installed, `pdf_available()` says why and PDFs are skipped.
- `write_corpus(out, count, ...)`: reports `out/reports/NNNN/rNNNNNNN.<fmt>` and `out/truth.jsonl`
  (the gold format of tests/scoring.py), streamed report by report, deterministic by seed
  (PDF bytes carry LibreOffice's timestamps; their text and values do not change).
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.synth import ERAS, Report, make_report, truth_line
from pipeline.synth_render import blocks, to_html, to_text

FORMATS = ("txt", "html", "docx", "pdf")
SOFFICE_TIMEOUT = 600


def layout(rows) -> tuple[list[tuple[int, int, object]], int, int]:
    """Place HTML-style rows of cells (rs/cs spans) on a grid: ([(row, col, cell)], nrows, ncols)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for ri, row in enumerate(rows):
        col = 0
        for cell in row:
            while (ri, col) in taken:
                col += 1
            placed.append((ri, col, cell))
            taken.update((ri + a, col + b) for a in range(cell.rs) for b in range(cell.cs))
            col += cell.cs
    return placed, max(r for r, _ in taken) + 1, max(c for _, c in taken) + 1


def to_docx(r: Report, items: list[tuple]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = r.title
    for kind, content in items:
        if kind == "table":
            placed, nrows, ncols = layout(content)
            table = doc.add_table(rows=nrows, cols=ncols)
            table.style = "Table Grid"
            for ri, ci, cell in placed:
                target = table.cell(ri, ci)
                if cell.rs > 1 or cell.cs > 1:
                    target = target.merge(table.cell(ri + cell.rs - 1, ci + cell.cs - 1))
                target.text = cell.text
            doc.add_paragraph("")
            continue
        para = doc.add_paragraph()
        run = para.add_run(content)
        if kind == "title":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold, run.font.size = True, Pt(16)
        elif kind == "h":
            run.bold = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def pdf_available() -> str | None:
    """None when PDFs can be made, else the reason they cannot."""
    return None if shutil.which("soffice") else "no PDF writer: LibreOffice (soffice) is not installed"


def docx_to_pdf(files: list[Path], outdir: Path, batch: int = 100) -> list[Path]:
    """Convert DOCX files to PDF with LibreOffice headless (own profile dir, batches of `batch`)."""
    outdir.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as profile:
        for i in range(0, len(files), batch):
            chunk = [str(f) for f in files[i:i + batch]]
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", str(outdir), *chunk],
                           check=True, capture_output=True, timeout=SOFFICE_TIMEOUT)
            made += [outdir / (Path(f).stem + ".pdf") for f in chunk]
    return [p for p in made if p.exists()]


def report_path(out: Path, index: int, fmt: str) -> Path:
    return out / "reports" / f"{index // 1000:04d}" / f"r{index:07d}.{fmt}"


def render(r: Report, fmt: str, noise: float = 0.0) -> bytes:
    """The report's bytes in txt, html or docx (PDF goes through the DOCX)."""
    items, features = blocks(r, noise)
    if fmt == "txt":
        return to_text(r, items, features).encode("utf-8")
    if fmt == "html":
        return to_html(r, items, features).encode("utf-8")
    return to_docx(r, items)


def write_corpus(out: Path, count: int, seed: int = 0, formats=FORMATS[:3], eras=ERAS, errors: float = 0.0,
                 noise: float = 0.0, start: int = 0, progress=None) -> dict:
    """Write reports start..start+count-1 and their truth; returns counts by format and era.
    Formats rotate by report number; PDFs are skipped (with the reason) when none can be made."""
    out = Path(out)
    formats = list(formats)
    skipped = None
    if "pdf" in formats and (skipped := pdf_available()):
        formats.remove("pdf")
    if not formats:
        return {"written": 0, "skipped_pdf": skipped}
    stats: dict = {"written": 0, "by_format": {}, "by_era": {}, "skipped_pdf": skipped}
    pending: list[tuple[Path, Path, dict]] = []
    tmp = Path(tempfile.mkdtemp(prefix="ogi-synth-"))
    mode = "a" if start else "w"
    out.mkdir(parents=True, exist_ok=True)
    try:
        with open(out / "truth.jsonl", mode, encoding="utf-8") as truth:
            for i in range(start, start + count):
                fmt = formats[i % len(formats)]
                r = make_report(seed, i, eras, errors)
                path = report_path(out, i, fmt)
                path.parent.mkdir(parents=True, exist_ok=True)
                data = render(r, "docx" if fmt == "pdf" else fmt, noise)
                line = truth_line(r, path.name)
                if fmt == "pdf":
                    (tmp / f"{path.stem}.docx").write_bytes(data)
                    pending.append((tmp / f"{path.stem}.docx", path, line))
                else:
                    path.write_bytes(data)
                    truth.write(json.dumps(line, ensure_ascii=False) + "\n")
                stats["by_format"][fmt] = stats["by_format"].get(fmt, 0) + 1
                stats["by_era"][r.era] = stats["by_era"].get(r.era, 0) + 1
                stats["written"] += 1
                if progress:
                    progress(i - start + 1, count)
            if pending:
                converted = set(docx_to_pdf([p[0] for p in pending], tmp / "pdf"))
                for docx, path, line in pending:
                    pdf = tmp / "pdf" / f"{path.stem}.pdf"
                    if pdf in converted:
                        shutil.move(pdf, path)
                        truth.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return stats
