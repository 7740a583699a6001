"""Storage and ingestion logic without Dagster: atomic Parquet, DuckDB loading and read-only
queries, file discovery, one report per content with every path in report_sources, the
incremental rerun, crash/empty-file handling, and the process pool."""
import shutil

import duckdb
import polars as pl
import pytest

from pipeline import ingest, warehouse


def build(root, paths, **kw) -> ingest.CoreTables:
    core = ingest.build_core(ingest.scan(paths), ingest.previous_tables(root), **kw)
    for table in ingest.CORE_TABLES:
        warehouse.write_table(root, table, getattr(core, table))
    return core


def test_parquet_is_written_atomically_and_read_back(tmp_path):
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = warehouse.write_table(tmp_path, "reports", frame)
    assert path == tmp_path / "parquet" / "reports" / "data.parquet"
    assert [p.name for p in path.parent.iterdir()] == ["data.parquet"]  # no temp file left behind
    assert warehouse.read_table(tmp_path, "reports").equals(frame)
    assert warehouse.read_table(tmp_path, "metrics") is None


def test_duckdb_has_every_table_and_queries_are_read_only(tmp_path):
    warehouse.write_table(tmp_path, "reports", pl.DataFrame({"report_id": ["r"], "status": ["ok"]}))
    counts = warehouse.load_duckdb(tmp_path)
    assert set(counts) == set(warehouse.ALL_TABLES) and counts["reports"] == 1 and counts["metrics"] == 0
    columns, rows = warehouse.query(tmp_path, "SELECT column_name FROM information_schema.columns WHERE table_name = 'metrics'")
    assert ("metric_code",) in rows and ("value",) in rows
    with pytest.raises(duckdb.Error):
        warehouse.query(tmp_path, "DELETE FROM reports")
    with pytest.raises(FileNotFoundError):
        warehouse.query(tmp_path / "nowhere", "SELECT 1")


def test_discover_skips_hidden_files_and_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    assert [p.name for p in ingest.discover([tmp_path])] == ["r.txt"]
    assert [p.name for p in ingest.discover([tmp_path / "a" / "r.txt"])] == ["r.txt"]


def test_same_bytes_under_two_paths_make_one_report(tmp_path, fake_extractor, samples):
    raw = tmp_path / "raw"
    (raw / "copy").mkdir(parents=True)
    shutil.copy(samples[0], raw / "first.txt")
    shutil.copy(samples[0], raw / "copy" / "second.txt")
    core = build(tmp_path / "wh", [raw])
    assert core.reports.height == 1 and len(fake_extractor) == 1
    assert sorted(core.report_sources["source_path"].to_list()) == [str(raw / "copy" / "second.txt"), str(raw / "first.txt")]
    assert core.reports["source_path"][0] == str(raw / "copy" / "second.txt")  # the first path, sorted


def test_rerun_reuses_everything_and_changes_nothing(tmp_path, fake_extractor, samples, monkeypatch):
    first = build(tmp_path, samples)
    assert len(fake_extractor) == len(samples) and first.stats["extracted"] == len(samples)
    second = build(tmp_path, samples)
    assert len(fake_extractor) == len(samples) and second.stats["extracted"] == 0
    assert second.stats["reused"] == len(samples)
    for table in ingest.CORE_TABLES:
        assert getattr(first, table).equals(getattr(second, table)), table
    monkeypatch.setattr(ingest, "EXTRACTOR_VERSION", "next")  # a new extractor re-extracts everything
    assert build(tmp_path, samples).stats["extracted"] == len(samples)


def test_an_edited_file_replaces_its_old_content(tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "r.txt").write_text("version one")
    old = build(tmp_path / "wh", [raw]).reports["report_id"][0]
    (raw / "r.txt").write_text("version two")
    core = build(tmp_path / "wh", [raw])
    assert core.reports["report_id"].to_list() != [old] and core.reports.height == 1
    assert old not in core.metrics["report_id"].to_list()


def test_crashes_empty_files_and_bad_rows_never_stop_the_run(tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")
    (raw / "crash.txt").write_bytes(b"CRASH please")
    (raw / "bad.txt").write_bytes(b"a report with a BADROW")
    core = build(tmp_path / "wh", [raw])
    status = dict(zip([p.split("/")[-1] for p in core.reports["source_path"]], core.reports["status"]))
    assert status == {"empty.txt": "failed", "crash.txt": "failed", "bad.txt": "ok"}
    errors = " ".join(core.reports["error"].drop_nulls().to_list())
    assert "empty file" in errors and "extractor crashed" in errors
    assert core.rejects.height == 1 and "SCHEMA-metrics" in core.quality_issues["check_id"].to_list()
    again = build(tmp_path / "wh", [raw])  # the crash is retried, the rest reused
    assert again.stats["extracted"] == 1 and again.rejects.height == 1
    assert again.quality_issues.filter(pl.col("check_id") == "SCHEMA-metrics").height == 1


def test_the_process_pool_gives_the_same_reports(tmp_path, samples):
    pooled = ingest.build_core(ingest.scan(samples), {}, workers=2, pool_threshold=0)
    single = ingest.build_core(ingest.scan(samples), {}, workers=1)
    assert pooled.reports["report_id"].to_list() == single.reports["report_id"].to_list()
    assert pooled.reports["status"].to_list() == single.reports["status"].to_list()
