"""Storage and ingestion without Dagster: atomic Parquet, DuckDB loading (by difference; more in
test_views_load.py) and read-only queries,
file discovery and naming, one report per content with every path in report_sources, the
incremental rerun (nothing extracted, nothing rewritten), a new extractor version, edited and
deleted files, crash/empty-file handling, and the process pool."""
import os
import shutil

import duckdb
import polars as pl
import pytest

import schemas
from pipeline import ingest, warehouse
from pipeline.pool import Extractor
from tests.test_views_stored import _equals_a_full_rebuild

CORE = warehouse.CORE_TABLES


def run(root, paths, **kw) -> dict:
    return ingest.ingest_paths(root, paths, **kw)


def tables(root) -> dict[str, pl.DataFrame]:
    return {t: schemas.conform(t, warehouse.read_table(root, t) if warehouse.table_files(root, t) else schemas.empty(t))
            for t in CORE}


def files_state(root) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in (root / "parquet").rglob("*.parquet")}


def test_parquet_is_written_atomically_and_read_back(tmp_path):
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = warehouse.write_table(tmp_path, "dim_metric", frame)
    assert path == tmp_path / "parquet" / "dim_metric" / "data.parquet"
    assert [p.name for p in path.parent.iterdir()] == ["data.parquet"]  # no temp file left behind
    assert warehouse.read_table(tmp_path, "dim_metric").equals(frame)
    assert warehouse.read_table(tmp_path, "metrics") is None


def test_duckdb_has_every_table_and_queries_cannot_write_anything(tmp_path):
    warehouse.write_table(tmp_path, "reports", pl.DataFrame({"report_id": ["r"], "status": ["ok"]}), part="bucket-00")
    counts = warehouse.load_duckdb(tmp_path)
    assert set(counts) == set(warehouse.ALL_TABLES) and counts["reports"] == 1 and counts["metrics"] == 0
    columns, rows = warehouse.query(tmp_path, "SELECT column_name FROM information_schema.columns WHERE table_name = 'metrics'")
    assert ("metric_code",) in rows and ("value",) in rows
    for sql in ("DELETE FROM reports", "DROP TABLE reports", "INSERT INTO reports (report_id) VALUES ('x')",
                f"COPY reports TO '{tmp_path / 'parquet' / 'reports' / 'bucket-00.parquet'}'",
                f"ATTACH '{tmp_path / 'other.duckdb'}' AS other", "SET enable_external_access = true"):
        with pytest.raises(duckdb.Error):
            warehouse.query(tmp_path, sql)
    assert warehouse.query(tmp_path, "SELECT count(*) FROM reports")[1] == [(1,)]
    assert not (tmp_path / "other.duckdb").exists()
    with pytest.raises(FileNotFoundError):
        warehouse.query(tmp_path / "nowhere", "SELECT 1")


def _db(root) -> dict[str, list]:
    names = [n for (n,) in warehouse.query(root, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")[1]]
    out = {}
    for name in names:
        cols = [c for (c,) in warehouse.query(root, "SELECT column_name FROM information_schema.columns WHERE "
                                              "table_name = ? AND table_schema = 'main'", [name])[1] if c != "ingested_at"]
        out[name] = warehouse.query(root, f'SELECT {", ".join(cols)} FROM "{name}" ORDER BY ALL')[1]
    return out


def test_duckdb_is_loaded_by_difference_and_equals_a_full_load(tmp_path, fake_extractor, monkeypatch):
    """After an ingest that only adds reports, the big tables get just the new rows; after one
    that removes a file, its bucket is reloaded; each time the database equals a full rebuild,
    and the live file is never written: the standby copy is, then swapped in."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    for i in range(30):
        (raw / f"r{i:02d}.txt").write_text(f"one {i}")
    one = Extractor(workers=1)
    run(wh, [raw], extractor=one)
    how: dict = {}
    warehouse.load_duckdb(wh, how=how)
    assert set(how.values()) == {"in full", "new"} and (wh / ".ogi.duckdb.standby").exists()
    for i in range(30, 34):
        (raw / f"r{i:02d}.txt").write_text(f"one {i}")
    run(wh, [raw], extractor=one)
    live = (wh / "ogi.duckdb").stat()
    how.clear()
    warehouse.load_duckdb(wh, how=how)
    assert how["metrics"] == how["reports"] == how["report_sources"] == how["stored views"] == "by difference"
    assert how["dim_metric"] == "unchanged" and how["database"] == "standby"
    assert (wh / ".ogi.duckdb.standby").stat().st_ino == live.st_ino    # the old live file, untouched
    assert (wh / ".ogi.duckdb.standby").stat().st_mtime_ns == live.st_mtime_ns
    _equals_a_full_rebuild(wh, tmp_path)
    assert len(_db(wh)["reports"]) == 34
    (raw / "r00.txt").unlink()
    (raw / "r01.txt").write_text("changed")
    run(wh, [raw], extractor=one)
    how.clear()
    warehouse.load_duckdb(wh, how=how)
    assert how["reports"] == "by difference"
    _equals_a_full_rebuild(wh, tmp_path)
    assert warehouse.query(wh, "SELECT count(*) FROM reports WHERE source_missing")[1] == [(1,)]


def test_files_are_named_by_the_folder_given_never_by_absolute_paths(tmp_path, fake_extractor):
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "sub" / "r.txt").write_text("one")
    (tmp_path / "raw" / ".git").mkdir()
    (tmp_path / "raw" / ".git" / "config").write_text("x")
    (tmp_path / "raw" / ".hidden.txt").write_text("x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "alone.txt").write_text("two")
    run(tmp_path / "wh", [tmp_path / "raw", tmp_path / "other" / "alone.txt"])
    paths = sorted(tables(tmp_path / "wh")["report_sources"]["source_path"].to_list())
    assert paths == ["other/alone.txt", "raw/sub/r.txt"]
    assert sorted(fake_extractor) == sorted([str(tmp_path / "other" / "alone.txt"), str(tmp_path / "raw" / "sub" / "r.txt")])


def test_same_bytes_under_two_paths_make_one_report(tmp_path, fake_extractor, samples):
    raw = tmp_path / "raw"
    (raw / "copy").mkdir(parents=True)
    shutil.copy(samples[0], raw / "first.txt")
    shutil.copy(samples[0], raw / "copy" / "second.txt")
    run(tmp_path / "wh", [raw])
    t = tables(tmp_path / "wh")
    assert t["reports"].height == 1 and len(fake_extractor) == 1
    assert sorted(t["report_sources"]["source_path"].to_list()) == ["raw/copy/second.txt", "raw/first.txt"]
    assert t["reports"]["source_path"][0] == "raw/copy/second.txt"  # the first path, sorted


def test_rerun_extracts_nothing_and_rewrites_nothing(tmp_path, fake_extractor, samples):
    first = run(tmp_path, samples)
    assert len(fake_extractor) == len(samples) and first["extracted"] == len(samples) and first["hashed"] == len(samples)
    before, files = tables(tmp_path), files_state(tmp_path)
    second = run(tmp_path, samples)
    assert len(fake_extractor) == len(samples) and second["extracted"] == 0 and second["buckets_written"] == 0
    assert second["hashed"] == 0  # path, size, mtime and inode unchanged: the last scan's hash is reused
    assert {k: v for k, v in files_state(tmp_path).items() if "bucket-" in k} == {k: v for k, v in files.items() if "bucket-" in k}
    for table, frame in tables(tmp_path).items():
        assert frame.equals(before[table]), table


def test_a_new_extractor_version_re_extracts_and_the_old_rows_go(tmp_path, fake_extractor, samples, monkeypatch):
    run(tmp_path, samples)
    old = tables(tmp_path)["reports"]
    monkeypatch.setattr(ingest, "EXTRACTOR_VERSION", "next")
    monkeypatch.setattr("pipeline.extract_file.EXTRACTOR_VERSION", "next")
    stats = run(tmp_path, samples)
    assert stats["extracted"] == len(samples) and len(fake_extractor) == 2 * len(samples)
    new = tables(tmp_path)
    assert set(new["reports"]["extractor_version"].to_list()) == {"next"}
    assert new["reports"]["report_id"].to_list() == old["report_id"].to_list()
    assert (new["reports"]["ingested_at"] > old["ingested_at"]).all()
    assert new["metrics"].group_by("report_id").len()["len"].max() == 1  # replaced, not added to
    assert run(tmp_path, samples)["extracted"] == 0


def test_an_edited_file_replaces_its_old_content(tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "r.txt").write_text("version one")
    run(tmp_path / "wh", [raw])
    old = tables(tmp_path / "wh")["reports"]["report_id"][0]
    (raw / "r.txt").write_text("version two, longer")
    run(tmp_path / "wh", [raw])
    t = tables(tmp_path / "wh")
    assert t["reports"].height == 1 and t["reports"]["report_id"][0] != old
    assert old not in t["metrics"]["report_id"].to_list() and old not in t["report_sources"]["report_id"].to_list()


def test_a_deleted_file_keeps_its_report_marked_until_it_comes_back(tmp_path, fake_extractor, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "stays.txt").write_text("stays")
    (raw / "goes.txt").write_text("goes away")
    run(tmp_path / "wh", [raw])
    (raw / "goes.txt").unlink()
    stats = run(tmp_path / "wh", [raw])
    assert stats["vanished"] == 1 and stats["extracted"] == 0
    t = tables(tmp_path / "wh")
    gone = t["reports"].filter(pl.col("source_path") == "raw/goes.txt")
    assert gone.height == 1 and gone["source_missing"].to_list() == [True] and gone["status"][0] == "ok"
    assert t["metrics"].filter(pl.col("report_id") == gone["report_id"][0]).height == 1  # its values stay
    src = t["report_sources"].filter(pl.col("source_path") == "raw/goes.txt")
    assert src["missing"].to_list() == [True] and src["missing_since"][0] is not None
    assert t["reports"].filter(pl.col("source_path") == "raw/stays.txt")["source_missing"].to_list() == [False]
    # a new extractor version cannot re-read it: the old rows stay as they were
    monkeypatch.setattr(ingest, "EXTRACTOR_VERSION", "next")
    run(tmp_path / "wh", [raw])
    again = tables(tmp_path / "wh")["reports"].filter(pl.col("source_path") == "raw/goes.txt")
    assert again["extractor_version"][0] != "next" and again["source_missing"][0]
    (raw / "goes.txt").write_text("goes away")
    run(tmp_path / "wh", [raw])
    back = tables(tmp_path / "wh")
    assert not back["reports"]["source_missing"].any() and not back["report_sources"]["missing"].any()


def test_paths_outside_the_folders_scanned_keep_what_they_had(tmp_path, fake_extractor):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(name * 3)
    run(tmp_path / "wh", [tmp_path / "a", tmp_path / "b"])
    stats = run(tmp_path / "wh", [tmp_path / "a"])
    assert stats["vanished"] == 0
    t = tables(tmp_path / "wh")
    assert sorted(t["report_sources"]["source_path"].to_list()) == ["a/a.txt", "b/b.txt"]
    assert not t["report_sources"]["missing"].any()


def test_crashes_empty_files_and_bad_rows_never_stop_the_run(tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")
    (raw / "crash.txt").write_bytes(b"CRASH please")
    (raw / "bad.txt").write_bytes(b"a report with a BADROW")
    run(tmp_path / "wh", [raw])
    t = tables(tmp_path / "wh")
    status = dict(zip([p.split("/")[-1] for p in t["reports"]["source_path"]], t["reports"]["status"]))
    assert status == {"empty.txt": "failed", "crash.txt": "failed", "bad.txt": "ok"}
    errors = " ".join(t["reports"]["error"].drop_nulls().to_list())
    assert "empty file" in errors and "extractor crashed" in errors
    assert t["rejects"].height == 1 and "SCHEMA-metrics" in t["quality_issues"]["check_id"].to_list()
    again = run(tmp_path / "wh", [raw])  # the crash is retried, the rest reused
    assert again["extracted"] == 1
    t = tables(tmp_path / "wh")
    assert t["rejects"].height == 1 and t["quality_issues"].filter(pl.col("check_id") == "SCHEMA-metrics").height == 1


def test_the_process_pool_gives_the_same_tables(tmp_path, samples):
    pooled = run(tmp_path / "pooled", samples, extractor=Extractor(workers=2, pool_threshold=0))
    single = run(tmp_path / "single", samples, extractor=Extractor(workers=1))
    assert pooled["extracted"] == single["extracted"] == len(samples)
    a, b = tables(tmp_path / "pooled"), tables(tmp_path / "single")
    for table in ("reports", "metrics", "quality_issues"):
        assert a[table].drop("ingested_at", strict=False).equals(b[table].drop("ingested_at", strict=False)), table


def test_a_legacy_single_file_table_is_removed(tmp_path, fake_extractor, samples):
    warehouse.write_table(tmp_path, "reports", pl.DataFrame({"report_id": ["x"]}))
    stats = run(tmp_path, samples[:1])
    assert stats["legacy_files_removed"] == 1 and not (tmp_path / "parquet" / "reports" / "data.parquet").exists()
    assert os.listdir(tmp_path / "parquet" / "reports") == [f"bucket-{tables(tmp_path)['reports']['report_id'][0][:2]}.parquet"]


def test_a_stored_source_path_is_found_again_from_the_raw_folders(tmp_path, fake_extractor):
    from pipeline.scan import locate

    (tmp_path / "data" / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "sub" / "r.txt").write_text("one")
    run(tmp_path / "wh", [tmp_path / "data" / "raw"])
    [stored] = tables(tmp_path / "wh")["report_sources"]["source_path"].to_list()
    assert stored == "raw/sub/r.txt"
    assert locate(stored, [tmp_path / "data" / "raw", tmp_path / "nowhere"]) == [tmp_path / "data" / "raw" / "sub" / "r.txt"]
    assert locate(stored, [tmp_path / "elsewhere"]) == []
