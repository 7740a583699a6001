"""Shards as Dagster partitions: materializing one shard replaces exactly its rows and leaves
every other shard's files untouched; a rerun of every shard with no change leaves every table
(Parquet and DuckDB) identical; empty buckets have no file."""
import hashlib

import dagster as dg
import polars as pl
import pytest

from assets.definitions import FULL_RANGE, JOB_NAME, build_defs
from pipeline import ingest, warehouse
from pipeline.pool import Extractor


def materialize(wh, raw, instance, **kw) -> dg.ExecuteInProcessResult:
    job = build_defs(str(wh), [str(raw)]).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(instance=instance, raise_on_error=False, **kw)
    assert result.success
    return result


def bucket_files(wh) -> dict[str, tuple[int, int]]:
    return {p.relative_to(wh).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for t in warehouse.CORE_TABLES for p in warehouse.bucket_files(wh, t)}


def every_table(wh) -> dict[str, list]:
    names = [r[0] for r in warehouse.query(wh, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL "
                                           "SELECT view_name FROM duckdb_views() WHERE NOT internal")[1]]
    return {n: warehouse.query(wh, f'SELECT * FROM "{n}" ORDER BY ALL')[1] for n in names}


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for i in range(24):
        (folder / f"r{i:02d}.txt").write_text(f"本年新收政府信息公开申请数量 {i}")
    return folder


def test_one_shard_is_rerun_alone_and_replaces_exactly_its_rows(raw, tmp_path, fake_extractor, monkeypatch):
    wh = tmp_path / "wh"
    with dg.DagsterInstance.ephemeral() as instance:
        materialize(wh, raw, instance, tags=FULL_RANGE)
        before, files = warehouse.read_table(wh, "reports"), bucket_files(wh)
        shard = before["report_id"][0][0]
        mine = before.filter(pl.col("report_id").str.starts_with(shard))
        monkeypatch.setattr(ingest, "EXTRACTOR_VERSION", "next")
        monkeypatch.setattr("pipeline.extract_file.EXTRACTOR_VERSION", "next")
        result = materialize(wh, raw, instance, partition_key=shard)
    mats = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()
            if e.asset_key.path == ["core_reports"]]
    assert [m.partition for m in mats] == [shard] and mats[0].metadata["dagster/row_count"].value == mine.height
    after = warehouse.read_table(wh, "reports")
    redone = after.filter(pl.col("extractor_version") == "next")
    assert sorted(redone["report_id"].to_list()) == sorted(mine["report_id"].to_list())
    assert after.filter(~pl.col("report_id").str.starts_with(shard)).sort("report_id").equals(
        before.filter(~pl.col("report_id").str.starts_with(shard)).sort("report_id"))
    changed = {k for k, v in bucket_files(wh).items() if files.get(k) != v}
    assert changed and all(k.split("bucket-")[1].startswith(shard) for k in changed)
    assert len(fake_extractor) == 24 + mine.height


def test_a_rerun_without_changes_leaves_every_table_identical(raw, tmp_path, fake_extractor):
    wh = tmp_path / "wh"
    with dg.DagsterInstance.ephemeral() as instance:
        materialize(wh, raw, instance, tags=FULL_RANGE)
        tables, files = every_table(wh), bucket_files(wh)
        materialize(wh, raw, instance, tags=FULL_RANGE)
    assert bucket_files(wh) == files  # not even rewritten
    assert every_table(wh) == tables
    assert {"reports", "metrics", "quality_issues", "report_sources", "dim_metric", "dim_jurisdiction"} <= set(tables)
    ids = {hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()}
    assert {f.split("bucket-")[1][:2] for f in files if f.startswith("parquet/reports/")} == {i[:2] for i in ids}


def _rows(wh, table: str) -> pl.DataFrame:
    frame = warehouse.read_table(wh, table)
    return frame.drop("ingested_at", strict=False).sort(pl.all())


def test_new_files_are_appended_as_parts_and_folded_in_later(tmp_path, fake_extractor, monkeypatch):
    """A run that only adds reports writes just their rows (one new part per bucket it touches),
    never rewrites the rows already there; the tables equal a from-scratch run; a bucket with
    MAX_PARTS parts is written whole again on its next change."""
    from pipeline import bucket
    monkeypatch.setattr(bucket, "MAX_PARTS", 2)
    raw, wh, ref = tmp_path / "raw", tmp_path / "wh", tmp_path / "ref"
    raw.mkdir()
    names = [f"r{i:03d}.txt" for i in range(60)]
    for name in names[:40]:
        (raw / name).write_text(f"本年新收政府信息公开申请数量 {name}")
    one = {"extractor": Extractor(workers=1)}  # in-process: the fake extractor is patched in here
    ingest.ingest_paths(wh, [raw], **one)
    before = bucket_files(wh)
    for round_, chunk in enumerate((names[40:50], names[50:60])):
        for name in chunk:
            (raw / name).write_text(f"本年新收政府信息公开申请数量 {name}")
        stats = ingest.ingest_paths(wh, [raw], **one)
        assert stats["extracted"] == len(chunk) and stats["buckets_appended"] >= 1
        if round_ == 0:
            assert {k: v for k, v in bucket_files(wh).items() if k in before} == before  # old files untouched
            assert any(".0001." in f for f in stats["written_files"])
    ingest.ingest_paths(ref, [raw], **one)
    for table in ("reports", "metrics", "report_sources", "quality_issues"):
        assert _rows(wh, table).equals(_rows(ref, table)), table
    assert all(warehouse.part_seq(p) <= 2 for t in warehouse.CORE_TABLES for p in warehouse.bucket_files(wh, t))
    (raw / names[0]).unlink()  # not an append: the bucket is written whole, its parts folded in
    stats = ingest.ingest_paths(wh, [raw], **one)
    gone = [b for b in stats["written"]]
    assert gone and all(warehouse.part_seq(p) == 0 for b in gone for p in warehouse.bucket_parts(wh, "reports", b))
    missing = warehouse.read_table(wh, "reports").filter(pl.col("source_missing"))
    assert missing["source_path"].to_list() == [f"raw/{names[0]}"]


def test_buckets_planned_together_or_one_by_one_hold_the_same_rows(tmp_path, fake_extractor):
    """The buckets of a run are planned and assembled in groups of about one extraction batch;
    how they are grouped changes nothing that is written — through a first run, an increment
    that adds, copies, changes and removes files (46 reports: 40 + 6 new, r05 replaced by its new
    content, r07 kept as missing), and a rerun of every report."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(40):
        (raw / f"r{i:02d}.txt").write_text(f"本年新收政府信息公开申请数量 {i}")
    runs = {name: tmp_path / name for name in ("one", "many")}
    sizes = {"one": 1, "many": 500}

    def ingest_all(**kw):
        for name, wh in runs.items():
            ingest.ingest_paths(wh, [raw], extractor=Extractor(workers=1, batch_size=sizes[name]), **kw)

    ingest_all()
    for i in range(40, 46):
        (raw / f"r{i:02d}.txt").write_text(f"本年新收政府信息公开申请数量 {i}")
    (raw / "copy.txt").write_bytes((raw / "r03.txt").read_bytes())
    (raw / "r05.txt").write_text("本年新收政府信息公开申请数量 999")
    (raw / "r07.txt").unlink()
    ingest_all()
    for table in ("reports", "metrics", "report_sources", "quality_issues"):
        assert _rows(runs["one"], table).drop("missing_since", strict=False).equals(
            _rows(runs["many"], table).drop("missing_since", strict=False)), table
    assert _rows(runs["one"], "reports").height == 46 and _rows(runs["one"], "reports")["source_missing"].sum() == 1
    ingest_all(full=True)
    for table in ("reports", "metrics", "report_sources", "quality_issues"):
        assert _rows(runs["one"], table).drop("missing_since", strict=False).equals(
            _rows(runs["many"], table).drop("missing_since", strict=False)), table
