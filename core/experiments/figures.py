"""The paper suite's figures (plotly): ROC / precision–recall curves, confusion matrices, the learning
curve, grouped metric bars and the Molchan diagram of the test events; :func:`export_figures` writes them
as PNG (kaleido + Chromium) or, when that fails, as standalone HTML. Sizes in pixels.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.atomic import atomic_path, write_text_atomic
from core.evaluation import Evaluation

__all__ = [
    "export_figures",
    "plot_confusion_matrices",
    "plot_learning_curve",
    "plot_metric_bars",
    "plot_roc_pr",
]


def _layout(fig: Any, title: str, width: int = 900, height: int = 450) -> Any:
    fig.update_layout(
        title=title,
        template="plotly_white",
        width=width,
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        font={"size": 12},
    )
    return fig


def plot_roc_pr(
    results: Mapping[str, Evaluation], title: str = "ROC and precision–recall curves (test, per sample)"
):
    """ROC and PR curves of several models' sample-level test scores (``{label: Evaluation}``)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    from sklearn.metrics import precision_recall_curve, roc_curve

    fig = make_subplots(rows=1, cols=2, subplot_titles=("ROC", "Precision–recall"))
    colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
    for i, (label, ev) in enumerate(results.items()):
        y, p = ev.samples["label"].to_numpy(), ev.samples["prob"].to_numpy()
        if len(np.unique(y)) < 2:
            continue
        color = colors[i % len(colors)]
        fpr, tpr, _ = roc_curve(y, p)
        prec, rec, _ = precision_recall_curve(y, p)
        auc, ap = ev.sample["roc_auc"], ev.sample["pr_auc"]
        fig.add_trace(
            go.Scatter(
                x=fpr,
                y=tpr,
                mode="lines",
                name=f"{label} (AUC {auc:.3f})",
                line={"color": color},
                legendgroup=label,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=rec,
                y=prec,
                mode="lines",
                name=f"{label} (AP {ap:.3f})",
                line={"color": color},
                legendgroup=label,
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, showlegend=False),
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="false positive rate", row=1, col=1)
    fig.update_yaxes(title_text="true positive rate", row=1, col=1)
    fig.update_xaxes(title_text="recall", row=1, col=2)
    fig.update_yaxes(title_text="precision", row=1, col=2)
    return _layout(fig, title, 1100, 480)


def plot_confusion_matrices(results: Mapping[str, Evaluation], title: str = "Confusion matrices (test)"):
    """Confusion matrices, one row per model: samples (left) and events (right), at the validation-chosen
    thresholds; each cell shows its count and its share of the true class."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    labels = list(results)
    n = max(len(labels), 1)
    titles = [f"{lab} — {level}" for lab in labels for level in ("samples", "events")]
    fig = make_subplots(
        rows=n, cols=2, subplot_titles=titles, horizontal_spacing=0.16, vertical_spacing=0.5 / n
    )
    for i, lab in enumerate(labels, start=1):
        for j, level in enumerate(("sample", "event"), start=1):
            m = getattr(results[lab], level)
            z = np.array([[m["tn"], m["fp"]], [m["fn"], m["tp"]]], dtype=float)
            share = z / np.maximum(z.sum(axis=1, keepdims=True), 1)
            text = [[f"{int(z[r, c])} ({share[r, c]:.0%})" for c in range(2)] for r in range(2)]
            fig.add_trace(
                go.Heatmap(
                    z=share,
                    zmin=0,
                    zmax=1,
                    x=["pred 0", "pred 1"],
                    y=["true 0", "true 1"],
                    colorscale="Blues",
                    showscale=False,
                    text=text,
                    texttemplate="%{text}",
                ),
                row=i,
                col=j,
            )
            fig.update_yaxes(autorange="reversed", row=i, col=j)
            fig.update_xaxes(showticklabels=i == n, row=i, col=j)
    return _layout(fig, title, 720, 190 * n + 150)


def plot_learning_curve(curve: pd.DataFrame, metric: str = "sample_mcc", title: str | None = None):
    """Test ``metric`` vs CSES training fraction for direct training and transfer (mean over seeds,
    bootstrap interval of the first seed as error bars)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for method, part in curve.groupby("method", sort=False):
        g = part.groupby("fraction")
        mean = g[metric].mean()
        lo = g[f"{metric}_lo"].first()
        hi = g[f"{metric}_hi"].first()
        fig.add_trace(
            go.Scatter(
                x=mean.index * 100,
                y=mean.values,
                mode="lines+markers",
                name=str(method),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (hi - mean).clip(lower=0).values,
                    "arrayminus": (mean - lo).clip(lower=0).values,
                },
            )
        )
    fig.update_xaxes(title_text="CSES training events used (%)", type="log", tickvals=[10, 25, 50, 100])
    pretty = metric.replace("_", " ").replace("mcc", "MCC").replace("f1", "F1")
    fig.update_yaxes(title_text=pretty)
    return _layout(fig, title or f"Learning curve: test {pretty} vs CSES training fraction", 800, 450)


def plot_metric_bars(
    table: pd.DataFrame,
    title: str,
    metrics: Sequence[str] = ("sample_mcc", "event_mcc"),
    label: str = "variant",
):
    """Grouped bars of ``metrics`` per row label with bootstrap error bars (test split rows only)."""
    import plotly.graph_objects as go

    df = table[table["split"] == "test"] if "split" in table else table
    fig = go.Figure()
    for metric in metrics:
        fig.add_trace(
            go.Bar(
                x=df[label].astype(str),
                y=df[metric],
                name=metric.replace("_", " ").replace("mcc", "MCC").replace("f1", "F1"),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (df[f"{metric}_hi"] - df[metric]).clip(lower=0),
                    "arrayminus": (df[metric] - df[f"{metric}_lo"]).clip(lower=0),
                },
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="MCC (95 % bootstrap interval)")
    return _layout(fig, title, 900, 450)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def export_figures(
    figures: Mapping[str, Any], folder: str | os.PathLike[str], *, png: bool = True
) -> tuple[list[Path], str]:
    """Write figures as ``<folder>/<name>.png`` (kaleido + Chromium, one browser for all) or, when that
    fails or ``png=False``, as standalone HTML (plotly.js written once beside them). Returns the paths and
    ``"png"`` or ``"html"``."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    names = list(figures)
    if png and names:
        browser = _chromium()
        if browser and not os.environ.get("BROWSER_PATH"):
            os.environ["BROWSER_PATH"] = browser
        paths = [out / f"{n}.png" for n in names]
        try:
            # one atomic temporary file per figure: all renamed into place once kaleido wrote them all,
            # all removed when it fails
            with contextlib.ExitStack() as stack:
                tmp_paths = [stack.enter_context(atomic_path(p)) for p in paths]
                pio.write_images([figures[n] for n in names], tmp_paths, format="png", scale=1.5)
            return paths, "png"
        except Exception:  # any kaleido/Chromium failure falls back to HTML
            pass
    if names and not (out / "plotly.min.js").exists():
        # write_html(include_plotlyjs="directory") would write the bundle in place; a killed write would
        # leave a truncated bundle that it never rewrites
        write_text_atomic(out / "plotly.min.js", get_plotlyjs())
    paths = []
    for n in names:
        with atomic_path(out / f"{n}.html") as tmp:
            figures[n].write_html(tmp, include_plotlyjs="directory", full_html=True)
        paths.append(out / f"{n}.html")
    return paths, "html"


def _molchan_figure(tests: Mapping[str, Evaluation]) -> Any:
    """Event-level Molchan error diagram of the test split (first training seed of each model) with the
    operating point each model's validation-chosen event threshold gives."""
    from core.molchan import molchan_curve, molchan_point, plot_molchan

    curves = {n: molchan_curve(ev.events["label"], ev.events["score"]) for n, ev in tests.items()}
    points = {
        n: molchan_point(ev.events["label"], ev.events["score"], ev.rule.event_threshold)
        for n, ev in tests.items()
    }
    n_events = int(next(iter(tests.values())).events["label"].sum())
    return plot_molchan(
        curves, points, n_events=n_events, title="(e) Molchan error diagram, test events (first seed)"
    )
