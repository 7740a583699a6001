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


def test_review_finds_the_file_again_from_any_folder_with_raw(tmp_path):
    from pathlib import Path

    seeds = Path(__file__).parent / "fixtures" / "corpus" / "seeds"
    run = [sys.executable, "-m", "pipeline.cli"]
    subprocess.run(run + ["ingest", str(seeds), "--warehouse", str(tmp_path / "wh")], check=True, capture_output=True,
                   timeout=600)
    subprocess.run(run + ["review", "001_f64b17dea72e9793.txt", "--warehouse", str(tmp_path / "wh"), "--raw", str(seeds),
                          "--out", str(tmp_path / "r.html")], check=True, capture_output=True, timeout=300, cwd=tmp_path)
    assert 'data-code="capacity.staff"' in (tmp_path / "r.html").read_text(encoding="utf-8")
