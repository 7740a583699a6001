"""Bad input never loses a file: each kind of broken download gets a `reports` row with status
'failed' and an error a person understands — through `pipeline.process.process_file` and
through `ogi ingest` on a folder — while the good report beside them is extracted in full.

Kinds: an empty file, binary garbage named .html, a truncated PDF, an encrypted PDF, a scanned
PDF without a text layer, a DOCX zip bomb, a file over the size limit (OGI_MAX_FILE_MB, set
small here instead of writing 200 MB), a file that disappears (a broken symlink; a file deleted
or rewritten between the scan and its extraction), and the same bytes under two names. One
`ogi ingest` run covers them all (each run of the Dagster job costs several seconds).
"""
from __future__ import annotations

import io
import random
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from pipeline import warehouse
from pipeline.process import process_file
from tests.doc_helpers import FIXTURES

LIMIT_MB = "0.25"                        # 256 KB: every fixture is under it, big.txt is over it
GOOD = FIXTURES / "parity_2022.html"     # a complete fmt2021 report


def scanned_pdf() -> bytes:
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (300, 400), "white")
    ImageDraw.Draw(page).rectangle((20, 20, 280, 150), outline="black", width=3)
    buf = io.BytesIO()
    page.save(buf, format="PDF")
    return buf.getvalue()


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))     # 40 MB of zeros in ~40 KB
    return buf.getvalue()


# file name → (bytes, the error it must get)
BAD = {
    "empty.txt": (lambda: b"", r"^empty file"),
    "garbage.html": (lambda: random.Random(5).randbytes(8192), r"^not a text document: "),
    "truncated.pdf": (lambda: (FIXTURES / "parity_2022.pdf").read_bytes()[:30000], r"^corrupt or truncated PDF: "),
    "encrypted.pdf": (lambda: (FIXTURES / "encrypted.pdf").read_bytes(), r"^encrypted PDF: it needs a password to open$"),
    "scanned.pdf": (scanned_pdf, r"^no text layer: the PDF appears to be scanned images; OCR is not supported$"),
    "bomb.docx": (zip_bomb, r"^DOCX too large when uncompressed \(zip bomb\?\): 40 MB from \d+ KB$"),
    "big.txt": (lambda: "政府信息公开".encode() * 20000, r"^file too large: 352 KB \(limit 256 KB; set OGI_MAX_FILE_MB"),
}


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    """A download folder: the good report twice (same bytes, two names), every bad file, and
    a symlink whose target is gone."""
    folder = tmp_path_factory.mktemp("downloads")
    (folder / "copies").mkdir()
    shutil.copy(GOOD, folder / "report.html")
    shutil.copy(GOOD, folder / "copies" / "same-report.htm")
    for name, (make, _) in BAD.items():
        (folder / name).write_bytes(make())
    (folder / "gone.pdf").symlink_to(folder / "deleted-before-the-run.pdf")
    return folder


@pytest.mark.parametrize("name", sorted(BAD))
def test_process_file_fails_each_bad_file_with_a_plain_error(name, raw, monkeypatch):
    monkeypatch.setenv("OGI_MAX_FILE_MB", LIMIT_MB)
    result = process_file(raw / name)
    assert result.report["status"] == "failed"
    assert result.report["error"] and re.match(BAD[name][1], result.report["error"]), result.report["error"]
    assert result.metrics == [] and result.report["report_id"] and result.report["source_path"] == str(raw / name)


def test_process_file_on_a_file_that_is_gone(raw):
    result = process_file(raw / "gone.pdf")
    assert result.report["status"] == "failed"
    assert result.report["error"] == "cannot read file: No such file or directory"


@pytest.fixture(scope="module")
def ingested(raw, tmp_path_factory) -> Path:
    """`ogi ingest DIR --warehouse WH` (the CLI's entry point, in-process so that a hook can run
    between the scan and the extraction: it deletes one scanned file and rewrites another)."""
    from pipeline import cli, ingest

    (raw / "vanishes.html").write_bytes(GOOD.read_bytes() + b"<!-- v1 -->")
    (raw / "changes.html").write_bytes(GOOD.read_bytes() + b"<!-- v2 -->")
    real_scan = ingest.scan

    def scan_then_disturb(*args, **kwargs):
        result = real_scan(*args, **kwargs)
        (raw / "vanishes.html").unlink()
        (raw / "changes.html").write_bytes(b"<html><body>replaced</body></html>")
        return result

    wh = tmp_path_factory.mktemp("wh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OGI_MAX_FILE_MB", LIMIT_MB)
        mp.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        mp.setattr(ingest, "scan", scan_then_disturb)
        assert cli.main(["ingest", str(raw), "--warehouse", str(wh)]) == 0
    return wh


def test_ingest_gives_every_bad_file_a_failed_row_with_its_error(ingested, raw):
    rows = {Path(p).name: (status, error) for p, status, error in
            warehouse.query(ingested, "SELECT source_path, status, error FROM reports")[1]}
    # the good report is listed under its first path
    assert set(rows) == set(BAD) | {"gone.pdf", "same-report.htm", "vanishes.html", "changes.html"}
    for name, (_, pattern) in BAD.items():
        status, error = rows[name]
        assert status == "failed" and re.match(pattern, error or ""), (name, error)
    assert rows["gone.pdf"] == ("failed", "cannot read file: No such file or directory")
    assert rows["vanishes.html"] == ("failed", "cannot read file: No such file or directory")
    assert rows["changes.html"] == ("failed", "file changed while being ingested; ingest again")
    assert rows["same-report.htm"] == ("ok", None)


def test_ingest_extracts_the_good_report_once_under_both_names(ingested, raw):
    [(rid, n)] = warehouse.query(ingested, "SELECT r.report_id, (SELECT count(*) FROM metrics m WHERE m.report_id = "
                                           "r.report_id) FROM reports r WHERE status = 'ok'")[1]
    assert n == len(process_file(GOOD).metrics) > 200
    paths = [p for (p,) in warehouse.query(ingested, f"SELECT source_path FROM report_sources WHERE report_id = '{rid}' "
                                                     "ORDER BY source_path")[1]]
    assert [p.split("/", 1)[1] for p in paths] == ["copies/same-report.htm", "report.html"]
    [(total,)] = warehouse.query(ingested, "SELECT count(*) FROM report_sources")[1]
    assert total == len(BAD) + 5                     # every path is kept, the failed ones too
