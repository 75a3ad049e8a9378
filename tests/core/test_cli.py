"""``python -m core``: the commands a researcher types, end to end on tiny data."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from core.cli import app

runner = CliRunner()

CSV_HEADER = (
    "time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,"
    "horizontalError,depthError,magError,magNst,status,locationSource,magSource\n"
)


def test_catalog_summarises_the_builtin_catalog_per_era() -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    assert "24,084 events selected" in result.output
    assert "DEMETER" in result.output and "9,333" in result.output and "8,913" in result.output
    assert "no catalog covers 2023-11-05 … 2024-12-31" in result.output


def test_catalog_filters_and_exports(tmp_path) -> None:
    out = tmp_path / "sel.csv"
    result = runner.invoke(app, ["catalog", "--min-mag", "8", "--start", "2018-02-02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) > 0 and (table["mag"] >= 8).all()


def test_catalog_bad_file_is_one_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    result = runner.invoke(app, ["catalog", "--source", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["catalog", "--bbox", "1,2,3"])
    assert result.exit_code == 2 and "--bbox" in result.output


def test_catalog_reports_dropped_rows(tmp_path) -> None:
    path = tmp_path / "few.csv"
    path.write_text(
        CSV_HEADER
        + "2021-01-01T00:00:00.000Z,10,20,10,5.5,mb,,,,,us,a1,,X,earthquake,,,,,r,us,us\n"
        + "not-a-time,10,20,10,5.5,mb,,,,,us,a2,,X,earthquake,,,,,r,us,us\n"
    )
    result = runner.invoke(app, ["catalog", "--source", str(path)])
    assert result.exit_code == 0, result.output
    assert "dropped 1" in result.output and "1 events selected" in result.output


def test_generate_index_passes_round_trip(tmp_path) -> None:
    # 2021-08-14 M7.2 Nippes, Haiti: LAP only, around the event, then the index and the pass list.
    archive = tmp_path / "arch"
    result = runner.invoke(
        app,
        [
            "generate",
            "--satellite",
            "CSES-01",
            "--out",
            str(archive),
            "--events",
            "us6000f65h",
            "--products",
            "LAP_1",
            "--start",
            "2021-08-12",
            "--end",
            "2021-08-14",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (archive / "ground_truth.csv").exists()
    result = runner.invoke(app, ["index", str(archive)])
    assert result.exit_code == 0, result.output
    assert "0 unreadable" in result.output, result.output
    result = runner.invoke(
        app, ["passes", "--event", "us6000f65h", "--archive", str(archive), "--half", "night"]
    )
    assert result.exit_code == 0, result.output
    assert "Nippes, Haiti" in result.output and "LAP_1" in result.output
    result = runner.invoke(app, ["passes", "--event", "nope", "--archive", str(archive)])
    assert result.exit_code == 2 and "not in the built-in catalog" in result.output
    result = runner.invoke(app, ["generate", "--satellite", "CSES-01", "--out", str(archive)])
    assert result.exit_code == 2 and "--start" in result.output
