"""The `ogi` entry point offers every command, each wired to its module."""
import subprocess
import sys


def test_every_command_is_offered():
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "--help"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    for command in ("ingest", "query", "review", "issues", "report", "synth", "fetch"):
        assert command in out


def test_synth_writes_reports_and_truth_through_ogi(tmp_path):
    subprocess.run([sys.executable, "-m", "pipeline.cli", "synth", "--count", "2", "--out", str(tmp_path / "s"),
                    "--formats", "txt", "--seed", "3"], capture_output=True, text=True, timeout=300, check=True)
    assert (tmp_path / "s" / "truth.jsonl").read_text(encoding="utf-8").count("\n") == 2
