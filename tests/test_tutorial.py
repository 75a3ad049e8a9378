"""docs/tutorial.py, the jupytext notebook of the docs, runs from top to bottom in a fresh kernel.

The percent-format script is converted with jupytext and executed with nbclient in a ``python3`` kernel of
this interpreter (ipykernel); any cell error fails the test. Its files go to a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.py"


@pytest.mark.slow
def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jupytext  # requirements-test.txt: jupytext, nbclient, ipykernel
    import nbclient

    out = tmp_path / "tutorial"
    monkeypatch.setenv("SEQNETQUAKE_TUTORIAL_DIR", str(out))
    # The kernel: this environment's python3 kernelspec first (jupyter_client runs its "python" as
    # sys.executable), runtime and IPython files in the temporary folder, not in the home directory.
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "1")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    nb = jupytext.read(TUTORIAL)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert sum(c.cell_type == "code" for c in nb.cells) >= 8
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=None,  # no limit per cell
        startup_timeout=600,  # only a guard against a kernel that never starts
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "synthetic testbed" in outputs
    figure = out / "us7000fszl-sequences.html"
    assert figure.is_file() and figure.stat().st_size > 100_000
    assert (out / "models" / "defaults.json").is_file()
