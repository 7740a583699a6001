"""Shared fixtures of the platform tests: the bundled samples, a throwaway DAGSTER_HOME, and a
fake extractor (a stand-in `pipeline.process` module) for tests that must not depend on what
the real extractor finds — it counts its calls and can be told to crash or emit a bad row.

Tests marked `slow` (minutes: whole `ogi ingest` runs killed and rerun, many files) are
skipped unless `--run-slow` is given or OGI_SLOW_TESTS=1 is set; .ci/run runs them apart."""
from __future__ import annotations

import hashlib
import os
import sys
import types
from pathlib import Path

import pytest

from pipeline.model import FileResult

PROJECT = Path(__file__).resolve().parents[1]
SAMPLES = PROJECT / "data" / "raw" / "samples"


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="also run the tests marked slow")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes; run with --run-slow or OGI_SLOW_TESTS=1")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("OGI_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow or OGI_SLOW_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def samples() -> list[Path]:
    files = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))
    assert files, f"no sample reports in {SAMPLES}"
    return files


@pytest.fixture(autouse=True)
def dagster_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own Dagster instance directory, never the project's data/dagster_home."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def fake_process_file(calls: list[str]):
    def process_file(path: Path, data: bytes | None = None) -> FileResult:
        calls.append(str(path))
        data = Path(path).read_bytes() if data is None else data
        if data.startswith(b"CRASH"):
            raise RuntimeError("the fake extractor crashed")
        rid = hashlib.sha256(data).hexdigest()
        report = {"report_id": rid, "source_path": str(path), "bytes": len(data), "format": "txt", "status": "ok",
                  "doc_type": "annual_report", "era": "fmt2019", "report_year": 2020, "extractor_version": "fake",
                  "jurisdiction_name": "测试县人民政府", "adcode": "110101", "admin_level": "county"}
        metric = {"report_id": rid, "metric_code": "requests.received", "requester": "total", "period": "year",
                  "value": float(len(data)), "raw": str(len(data)), "unit": "item", "qualifier": "exact",
                  "method": "table", "evidence": "本年新收政府信息公开申请数量"}
        metrics = [metric]
        if b"BADROW" in data:  # a row that breaks the contract: unknown requester, negative count
            metrics.append(metric | {"requester": "martian", "value": -1.0})
        issues = [{"report_id": rid, "check_id": "T3-FLOW", "severity": "warning", "status": "not_assessable",
                   "message": "fake", "metric_codes": ["requests.received"], "attribution": "unknown"}]
        return FileResult(report=report, metrics=metrics, issues=issues)
    return process_file


@pytest.fixture
def fake_extractor(monkeypatch) -> list[str]:
    """Replace `pipeline.process` by a fake; returns the list of paths it was called with."""
    calls: list[str] = []
    module = types.ModuleType("pipeline.process")
    module.process_file = fake_process_file(calls)
    monkeypatch.setitem(sys.modules, "pipeline.process", module)
    return calls
