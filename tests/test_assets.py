"""The Dagster layer: the definitions load (as `dagster dev` would), importing them writes
nothing, and the whole asset graph materializes over every shard into a tmp_path warehouse
that DuckDB can query — with metadata on every asset, passing contract checks, and a failed
(warning) check plus SCHEMA quality issues when a row breaks the contract."""
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from assets.definitions import FULL_RANGE, JOB_NAME, build_defs, defs
from pipeline import warehouse

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
