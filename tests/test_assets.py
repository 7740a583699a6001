"""The Dagster layer: the definitions load (as `dagster dev` would), importing them writes
nothing, and the whole asset graph materializes over every shard into a tmp_path warehouse
that DuckDB can query — with metadata on every asset, passing contract checks evaluated in the
steps of the assets they check, a failed (warning) check plus SCHEMA quality issues when a row
breaks the contract, and a failed blocking check (no DuckDB) when a stored file breaks it."""
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import polars as pl

from assets import core_tables
from assets.definitions import FULL_RANGE, JOB_NAME, build_defs, defs
from pipeline import warehouse
from schemas import Checked, empty

PROJECT = Path(__file__).resolve().parents[1]
TABLES = ("reports", "metrics", "quality_issues", "dim_metric", "dim_jurisdiction", "report_sources")


def run(root: Path, paths: list) -> dg.ExecuteInProcessResult:
    job = build_defs(str(root), [str(p) for p in paths]).resolve_job_def(JOB_NAME)
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False, tags=FULL_RANGE)


def checks(result) -> dict[str, bool]:
    return {f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}": e.event_specific_data.passed
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def test_definitions_validate_like_the_ui_loads_them(tmp_path):
    env = os.environ | {"DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([str(PROJECT / ".venv" / "bin" / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_the_definitions_writes_no_files(tmp_path):
    code = "import assets.definitions as d; assert d.defs.resolve_job_def('ogi_ingest')"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=os.environ | {"PYTHONPATH": str(PROJECT)})
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_asset_graph_names_and_layers():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_report_files", "core_reports", "core_metrics", "core_quality_issues", "core_report_sources",
            "core_dim_metric", "core_dim_jurisdiction", "out_warehouse_duckdb"} <= keys
    assert all(k.split("_")[0] in {"raw", "core", "out"} and k.isascii() for k in keys)
    out = graph.get(dg.AssetKey("out_warehouse_duckdb"))
    assert out.pools == {"duckdb_writer"}
    shards = graph.get(dg.AssetKey("core_metrics")).partitions_def
    assert shards.get_partition_keys() == list("0123456789abcdef")  # 16 static shards, not one per file
    assert graph.get(dg.AssetKey("core_metrics")).backfill_policy == dg.BackfillPolicy.single_run()


def test_materialize_the_graph_on_the_samples(tmp_path, samples):
    result = run(tmp_path, [samples[0].parent])
    assert result.success
    mats = result.get_asset_materialization_events()
    assert {m.asset_key.to_user_string() for m in mats} >= {"raw_report_files", "core_reports", "core_metrics",
                                                            "core_dim_metric", "out_warehouse_duckdb"}
    for mat in (e.event_specific_data.materialization for e in mats):
        assert {"dagster/row_count", "dagster/column_schema", "preview"} <= set(mat.metadata), mat.asset_key
    assert all(passed for name, passed in checks(result).items() if name.endswith("_contract"))
    # every check runs in the step of the asset it checks: no step of its own
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert len(checks(result)) == 15 and not any("contract" in s or "rejects" in s or "identities" in s for s in steps)
    counts = dict(warehouse.query(tmp_path, "SELECT table_name, estimated_size FROM duckdb_tables()")[1])
    assert set(TABLES) <= set(counts)
    _, rows = warehouse.query(tmp_path, "SELECT source_path, status FROM reports")
    assert {p for p, _ in rows} == {f"samples/{p.name}" for p in samples}
    assert all(status in ("ok", "failed") for _, status in rows)
    assert warehouse.query(tmp_path, "SELECT count(*) FROM dim_metric")[1][0][0] > 100


def test_a_contract_breach_fails_a_check_but_not_the_run(tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("本年新收政府信息公开申请数量 5")
    (raw / "bad.txt").write_text("BADROW")
    result = run(tmp_path / "wh", [raw])
    assert result.success
    status = checks(result)
    assert status["core_metrics:metrics_no_rejects"] is False
    assert status["core_metrics:metrics_contract"] is True and status["core_reports:reports_no_rejects"] is True
    _, rows = warehouse.query(tmp_path / "wh", "SELECT check_id, attribution FROM quality_issues WHERE check_id LIKE 'SCHEMA-%'")
    assert rows == [("SCHEMA-metrics", "extraction")]
    assert warehouse.query(tmp_path / "wh", "SELECT count(*) FROM rejects")[1][0][0] == 1


def test_rerun_reports_zero_extracted_in_metadata(tmp_path, fake_extractor, samples):
    run(tmp_path, samples)
    calls = len(fake_extractor)
    result = run(tmp_path, samples)
    reports = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()
               if e.asset_key.to_user_string() == "core_reports"]
    assert reports[0].metadata["extracted"].value == 0 and len(fake_extractor) == calls


def test_reports_own_identities_are_a_warning_check_with_counts_and_worst_reports(tmp_path):
    """The seeds' 2017 city report breaks CHANNELS and REPLIES: the check warns and names it."""
    wh = tmp_path / "wh"
    seeds = Path(__file__).parent / "fixtures" / "corpus" / "seeds"
    subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(seeds), "--warehouse", str(wh)],
                   check=True, capture_output=True, timeout=600)
    from assets.definitions import reports_own_identities
    from assets.resources import WarehouseResource

    result = reports_own_identities(WarehouseResource(warehouse_dir=str(wh)))
    assert result.passed is False and result.severity.value == "WARN"
    assert "003_7f4b8ba8faad5c4e.txt" in result.metadata["worst_reports"].value
    assert "CHANNELS" in result.metadata["by_check"].value


def metrics_rows(**change) -> dict:
    row = {"report_id": "a" * 64, "metric_code": "requests.received", "requester": "total", "period": "year",
           "value": 5.0, "raw": "5", "unit": "item", "qualifier": "exact", "method": "table", "evidence": "x",
           "char_start": 1, "char_end": 2, "table_index": None, "row_index": None, "col_index": None}
    return row | change


def test_contract_failures_read_many_files_in_bounded_groups(tmp_path):
    good = [tmp_path / f"bucket-{b}.parquet" for b in ("00", "01", "02")]
    for i, path in enumerate(good):
        pl.DataFrame([metrics_rows(report_id=f"{i}" * 64)]).write_parquet(path)
    assert core_tables.chunks(good, [1, 1, 1], limit=2) == [good[:2], good[2:]]
    assert core_tables.contract_failures("metrics", good, limit=2) == (0, None)
    bad = tmp_path / "bucket-03.parquet"
    pl.DataFrame([metrics_rows(report_id="3" * 64, requester="martian", value=-1.0)]).write_parquet(bad)
    failures, error = core_tables.contract_failures("metrics", [*good, bad], limit=2)
    assert failures >= 2 and error is None           # the unknown requester and the negative count
    uncastable = tmp_path / "bucket-04.parquet"
    pl.DataFrame([metrics_rows(report_id="4" * 64, char_start="one")]).write_parquet(uncastable)
    failures, error = core_tables.contract_failures("metrics", [*good, uncastable], limit=10)
    assert failures == 1 and "char_start" in error  # counted as a failure, not a crash of the step


def test_read_files_aligns_files_whose_columns_differ(tmp_path):
    pl.DataFrame({"status": ["ok"], "extra": [1]}).write_parquet(tmp_path / "a.parquet")
    pl.DataFrame({"status": ["failed", "ok"]}).write_parquet(tmp_path / "b.parquet")
    frame = core_tables.read_files([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    assert core_tables.value_counts(frame, "status") == {"failed": 1, "ok": 2}
    assert core_tables.row_counts([tmp_path / "a.parquet", tmp_path / "b.parquet"]) == [1, 2]


def passthrough(table, frame, untyped=()):
    return Checked(frame, empty("rejects"))


def test_a_stored_bucket_that_breaks_the_contract_blocks_the_duckdb_load(tmp_path, fake_extractor, monkeypatch):
    """A bad row that reaches a bucket file (here: the workers' contract step bypassed) fails the
    blocking `metrics_contract` check, and out_warehouse_duckdb does not run."""
    monkeypatch.setattr("pipeline.batch.enforce", passthrough)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "bad.txt").write_text("BADROW")
    result = run(tmp_path / "wh", [raw])
    assert not result.success
    assert checks(result)["core_metrics:metrics_contract"] is False
    evaluation = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                      and e.event_specific_data.check_name == "metrics_contract")
    assert evaluation.metadata["failures"].value >= 2 and evaluation.metadata["files_checked"].value == 1
    assert "out_warehouse_duckdb" not in {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert not warehouse.db_path(tmp_path / "wh").exists()


def test_a_stored_dimension_that_breaks_the_contract_fails_its_blocking_check(tmp_path, fake_extractor, monkeypatch):
    from pipeline.catalogue import dim_metric_rows

    monkeypatch.setattr("pipeline.warehouse.enforce", passthrough)
    monkeypatch.setattr("assets.graph.dim_metric_rows", lambda: [r | {"unit": "furlong"} for r in dim_metric_rows()[:3]])
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("本年新收政府信息公开申请数量 5")
    result = run(tmp_path / "wh", [raw])
    status = checks(result)
    assert status["core_dim_metric:dim_metric_contract"] is False and status["core_dim_metric:dim_metric_no_rejects"] is True
    failed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
    assert failed == {"core_dim_metric"} and not warehouse.db_path(tmp_path / "wh").exists()
