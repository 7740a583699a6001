"""The UI as an operator uses it: `dagster-webserver` started on 127.0.0.1 (a free port, its own
DAGSTER_HOME) loads workspace.yaml; /graphql lists the assets and their checks; the
`launchRun` mutation starts `ogi_ingest` over every shard; the run succeeds and the warehouse
can be queried. The server is stopped through its process group."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline import warehouse

PROJECT = Path(__file__).resolve().parents[1]
SERVER_START_SECONDS = 240
RUN_SECONDS = 420
INSTANCE = """telemetry:
  enabled: false
run_coordinator:   # launch at once: this test runs no daemon
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
concurrency:
  pools:
    default_limit: 1
"""
ASSETS = """{ assetNodes { assetKey { path } isPartitioned
  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
LOCATION = """{ workspaceOrError { ... on Workspace { locationEntries { name
  locationOrLoadError { ... on RepositoryLocation { repositories { name } } ... on PythonError { message } } } } } }"""
LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]


@pytest.fixture
def server(tmp_path):
    home, raw = tmp_path / "home", tmp_path / "raw"
    home.mkdir()
    raw.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE)
    for sample in sorted((PROJECT / "data" / "raw" / "samples").iterdir())[:2]:
        (raw / sample.name).write_bytes(sample.read_bytes())
    port = free_port()
    env = os.environ | {"DAGSTER_HOME": str(home), "OGI_RAW_PATHS": str(raw), "OGI_WAREHOUSE": str(tmp_path / "wh"),
                        "PYTHONPATH": str(PROJECT)}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([str(PROJECT / ".venv" / "bin" / "dagster-webserver"), "-w", "workspace.yaml",
                             "-h", "127.0.0.1", "-p", str(port)], cwd=PROJECT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "dagster-webserver did not start"
                time.sleep(1)
        yield port, tmp_path / "wh"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the runs it launched
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


def test_the_ui_lists_assets_and_checks_and_runs_the_ingest_job(server):
    port, wh = server
    nodes = graphql(port, ASSETS)["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {"raw_report_files", "core_reports", "core_metrics", "core_dim_metric", "out_warehouse_duckdb"} <= set(keys)
    assert keys["core_reports"]["isPartitioned"] and not keys["out_warehouse_duckdb"]["isPartitioned"]
    checks = {c["name"]: c["blocking"] for n in nodes for c in (n["assetChecksOrError"] or {}).get("checks", [])}
    assert checks["reports_contract"] is True and checks["metrics_no_rejects"] is False

    entry = graphql(port, LOCATION)["workspaceOrError"]["locationEntries"][0]
    repository = entry["locationOrLoadError"]["repositories"][0]["name"]
    params = {"selector": {"repositoryLocationName": entry["name"], "repositoryName": repository, "jobName": "ogi_ingest"},
              "executionMetadata": {"tags": [{"key": "dagster/asset_partition_range_start", "value": "0"},
                                             {"key": "dagster/asset_partition_range_end", "value": "f"}]}}
    launched = graphql(port, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline, status = time.monotonic() + RUN_SECONDS, None
    while time.monotonic() < deadline:
        status = graphql(port, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS"
    assert warehouse.query(wh, "SELECT count(*) FROM reports")[1] == [(2,)]
