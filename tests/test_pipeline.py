"""The papermill → HTML pipeline: outputs, atomic failure, batches, injected parameters."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis import cli
from analysis.batch import run_batch
from analysis.errors import ReportError
from analysis.params import DataHealthParams, DataSource
from analysis.paths import NOTEBOOKS_DIR
from analysis.runner import run_report

pytestmark = pytest.mark.slow


def _params(data_dir: Path, **extra) -> DataHealthParams:
    return DataHealthParams(period="2026-10", data=DataSource(path=data_dir), **extra)


def _notebooks_with_planted_failure(folder: Path, condition: str) -> Path:
    """A copy of the notebooks folder whose data_health fails mid-run when `condition` holds."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(NOTEBOOKS_DIR / "data_health.ipynb", as_version=4)
    failing = nbformat.v4.new_code_cell(
        f"# planted failure for the test\nif {condition}:\n"
        "    raise RuntimeError('planted failure in the middle of the report')"
    )
    notebook.cells.insert(len(notebook.cells) // 2, failing)
    nbformat.write(notebook, folder / "data_health.ipynb")
    return folder


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    """One successful data-health run on the tiny warehouse; returns its output folder."""
    from tiny import write_tiny

    root = tmp_path_factory.mktemp("good")
    data = write_tiny(root / "warehouse")
    out = root / "out"
    run_report(_params(data), out)
    return out


def test_run_writes_html_executed_notebook_and_json(good_run: Path) -> None:
    assert {p.name for p in good_run.iterdir()} == {
        "data_health.html",
        "data_health.ipynb",
        "data_health.json",
    }
    record = json.loads((good_run / "data_health.json").read_text(encoding="utf-8"))
    assert record["report"] == "data_health" and record["status"] == "ok"
    assert record["data_fingerprint"]["orders"] == {"rows": 3, "max_time": "2026-10-07 12:00:00"}
    assert record["results"]["headline"].startswith("2026-10: revenue ¥500")
    assert {"params", "package_version", "started", "finished"} <= record.keys()


def test_html_shows_no_code_and_loads_nothing(good_run: Path) -> None:
    html = (good_run / "data_health.html").read_text(encoding="utf-8")
    notebook = nbformat.read(NOTEBOOKS_DIR / "data_health.ipynb", as_version=4)
    code_lines = [
        line.strip()
        for cell in notebook.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line.strip()) > 12
    ]
    assert code_lines
    assert not [line for line in code_lines if line in html]
    assert "<script" not in html.lower()
    assert not re.search(r'class="[^"]*(jp-InputArea-editor|jp-InputPrompt)', html)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", html)) == 3


def test_page_reads_at_a_glance(good_run: Path) -> None:
    """Headline callout first, contents whose links all resolve, numbers right and text left,
    no number in scientific notation (the browser test adds widths and contrast)."""
    html = (good_run / "data_health.html").read_text(encoding="utf-8")
    callout, toc = html.index('class="callout headline"'), html.index('<nav class="toc">')
    assert callout < toc < html.index("<table")
    links = re.findall(
        r'<a href="#([^"]+)"', re.search(r'<nav class="toc">.*?</nav>', html).group(0)
    )
    assert len(links) >= 2 and all(f'id="{anchor}"' in html for anchor in links)
    for table in re.findall(r'<table[^>]*class="[^"]*report-table.*?</table>', html, re.S):
        for cls, cell in re.findall(r'<td(?: class="(\w+)")?[^>]*>(.*?)</td>', table, re.S):
            looks_numeric = re.fullmatch(r"[+\u2212-]?[¥$]?[\d,.]+%?", cell.strip())
            assert cls == "num" or not looks_numeric, f"number {cell!r} not right-aligned"
    visible = re.sub(
        r"<[^>]+>",
        " ",
        re.sub(r"<(style|script)\b.*?</\1>|src=\"data:[^\"]+\"", "", html, flags=re.S),
    )
    assert not re.findall(r"\d(?:\.\d+)?e[+-]\d+", visible)


def test_failed_run_keeps_previous_report_byte_identical(good_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(good_run, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    notebooks = _notebooks_with_planted_failure(tmp_path / "notebooks", "True")
    data = Path(json.loads(before["data_health.json"])["params"]["data"]["path"])
    with pytest.raises(ReportError) as raised:
        run_report(_params(data), out, notebooks)
    message = str(raised.value)
    assert "report data_health failed in cell" in message
    assert "planted failure in the middle of the report" in message
    assert "RuntimeError" in message and "previous report is untouched" in message
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.name in before}
    assert after == before
    assert (out / "data_health.failed.ipynb").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_batch_with_one_failing_report_finishes_the_others(tiny_dir, tmp_path):
    notebooks = _notebooks_with_planted_failure(tmp_path / "notebooks", "name == 'broken'")
    batch = tmp_path / "batch.yaml"
    batch.write_text(
        f"period: 2026-10\ndata: {{path: {tiny_dir}}}\nreports:\n"
        "  - {report: data_health, name: broken}\n  - {report: data_health, name: health}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    exit_code = cli.main(
        ["batch", str(batch), "--out", str(out), "--jobs", "2", "--notebooks", str(notebooks)]
    )
    assert exit_code == 1
    assert (out / "health.html").is_file() and not (out / "broken.html").exists()
    assert (out / "broken.failed.ipynb").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="health.html">health</a>' in index
    assert "planted failure in the middle of the report" in index
    assert '<td class="failed">failed</td>' in index
    assert "What went wrong" in index  # the catalogue's lead-in before the error itself


def test_batch_of_good_reports_returns_ok_outcomes(tiny_dir, tmp_path):
    reports = [_params(tiny_dir, name="one"), _params(tiny_dir, name="two")]
    outcomes = run_batch(reports, tmp_path, jobs=1, progress=False)
    assert [(o.name, o.status) for o in outcomes] == [("one", "ok"), ("two", "ok")]
    assert "2026-10: revenue" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_code_looking_parameter_arrives_as_literal_string(tiny_dir, tmp_path):
    marker = tmp_path / "pwned"
    title = f'"); import os; os.system("touch {marker}'
    title_with_html = title + " <script>alert(1)</script>"
    params = _params(tiny_dir, title=title_with_html)
    run_report(params, tmp_path / "out")
    assert not marker.exists()
    executed = nbformat.read(tmp_path / "out" / "data_health.ipynb", as_version=4)
    injected = next(
        c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    assignments = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(injected.source).body
        if isinstance(node, ast.Assign)
    }
    assert assignments["title"] == title_with_html
    html = (tmp_path / "out" / "data_health.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_cli_params_error_exits_2_before_any_kernel(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("report: data_health\nperiod: 2026-10\ndata: {path: .}\nperod: x\n")
    assert cli.main(["run", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "unknown key 'perod'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_contract_error_exits_1_and_writes_nothing(tiny_dir, tmp_path, capsys):
    (tiny_dir / "spend.parquet").unlink()
    params = tmp_path / "p.yaml"
    params.write_text(f"report: data_health\nperiod: 2026-10\ndata: {{path: {tiny_dir}}}\n")
    assert cli.main(["run", str(params), "--out", str(tmp_path / "out")]) == 1
    assert "table spend, column -, rule 'table present'" in capsys.readouterr().err
    # no report; only the marker that this run failed (so no reader takes an older one for it)
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"data_health.failed.json"}
