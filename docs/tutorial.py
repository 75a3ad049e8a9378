# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial: from the catalog to a scored event
#
# This notebook walks through the workbench's library (`core/`) once, end to end, on data small enough
# to run in a few minutes on 2 CPU cores:
#
# 1. load the built-in earthquake catalog and pick an event;
# 2. generate synthetic CSES-01 passes around it with the project's generator;
# 3. index the archive;
# 4. find the event's passes and cut its sequences of L = 20 observations;
# 5. build a small labelled dataset (positives, negatives, chronological splits);
# 6. train two models: a random forest and SeqNetQuake;
# 7. score the event with both;
# 8. save one figure to a file.
#
# **Every number below comes from the synthetic testbed, not from real CSES data**, and from a dataset
# far too small to mean anything: the point is the workflow, not the scores. The protocol-scale results
# are in [protocol.md](protocol.md).
#
# It is a [jupytext](https://jupytext.readthedocs.io) "percent" script: run it as a plain script
# (`.venv/bin/python docs/tutorial.py`), or open it as a notebook
# (`.venv/bin/jupytext --to notebook docs/tutorial.py`). The test suite executes it
# (`tests/test_tutorial.py`). Everything is seeded: two runs print the same numbers.
#
# Files go to `data/generated/tutorial/` (ignored by git), or to the folder named by the environment
# variable `SEQNETQUAKE_TUTORIAL_DIR`.

# %%
# ruff: noqa: E402 — as in any notebook, each cell imports what it first needs
import json
import os
from pathlib import Path

import pandas as pd

WORK = Path(os.environ.get("SEQNETQUAKE_TUTORIAL_DIR", "data/generated/tutorial")).resolve()
ARCHIVE = WORK / "archive"  # pass files, ground_truth.csv, pass_index.parquet
PYIRI_CACHE = WORK / "pyiri"  # the generator's background-ionosphere cache
REGISTRY = WORK / "models"  # trained models
WORK.mkdir(parents=True, exist_ok=True)
SEED = 0
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)
print("tutorial folder:", WORK)

# %% [markdown]
# ## 1. The catalog and one event
#
# `core.catalog.load_default_catalog` merges the three USGS ComCat exports shipped in `data/catalogs/`.
# `default_events` applies the protocol's event selection: earthquakes, M ≥ 5, depth ≤ 40 km.
#
# We take the M 6.6 earthquake of 2021-11-10 south-east of Hirara (Ryukyu Islands, Japan), 12 km deep.
# Its Dobrovolsky radius R = 10^(0.43·M) km is about 690 km.

# %%
from core.catalog import default_events, load_default_catalog
from core.geo import dobrovolsky_radius_km

catalog = load_default_catalog()
events = default_events(catalog)
print(f"{len(catalog):,} catalog rows, {len(events):,} events after the protocol's selection")

EVENT_ID = "us7000fszl"
event = events.loc[events["event_id"] == EVENT_ID].iloc[0]  # one catalog row (a pandas Series)
radius_km = float(dobrovolsky_radius_km(event["mag"]))
print(
    f"{EVENT_ID}: M{event['mag']:.1f} {event['place']}, {event['time']:%Y-%m-%d %H:%M} UTC, "
    f"depth {event['depth_km']:.0f} km, R = {radius_km:,.0f} km"
)

# %% [markdown]
# ## 2. Synthetic passes around the event
#
# Real CSES-01 files need registration, so the workbench ships a physics-based generator
# (`core.synthetic`, see [synthetic.md](synthetic.md) and [testbed.md](testbed.md)). It writes files in
# the real CSES-01 Level-2 HDF5 format ([formats.md](formats.md)) and injects precursors before a share
# of the real catalog's events, recording which in `ground_truth.csv`.
#
# With `events=[...]` it writes only the half-orbits that start from 5 days before to 1 day after the
# event and come within 3 R of it — the quickest way to get one event's data
# (`python -m core generate --satellite CSES-01 --events us7000fszl --out DIR` does the same).
# We write the two products that carry the protocol's features: `LAP_1` (electron density and
# temperature, every 3 s) and `PAP_0` (O+ density and ion temperature, every 1 s).

# %%
from core.synthetic import generate_archive

report = generate_archive(
    "CSES-01",
    None,  # start and end: with events, 5 days before the first to 1 day after the last
    None,
    ARCHIVE,
    events=[EVENT_ID],
    products=("LAP_1", "PAP_0"),
    seed=SEED,  # same seed and settings, same bytes
    cache_dir=PYIRI_CACHE,
    progress=False,
)
print(f"{len(report.files)} files, {report.n_half_orbits} half-orbits, {report.bytes / 1e6:.1f} MB")
truth = pd.read_csv(ARCHIVE / "ground_truth.csv", dtype={"event_id": str})
print(truth.loc[truth["event_id"] == EVENT_ID].T.to_string(header=False))

# %% [markdown]
# The ground truth says whether this event carries an injected precursor, its amplitude (relative change
# of the electron density at the anomaly centre), sign and lead time in days. A model is never shown
# this table; it only frames results (an event without a precursor cannot be found by anyone).
#
# ## 3. Index the archive
#
# `core.archive.scan_archive` reads every file once and writes a GeoParquet pass index, one row per
# file, with the ground track as a line (split at the antimeridian). Later questions ("which passes
# cross this circle in these days?") are answered from the index without opening files.

# %%
from core.archive import passes_near_event, scan_archive

index, scan = scan_archive(ARCHIVE, workers=1, progress=False)
print(f"{len(index)} files indexed")
print(index[["satellite", "product", "orbit", "half", "start", "end", "n_samples"]].head().to_string())

# %% [markdown]
# ## 4. The event's passes and its sequences
#
# The protocol's window (all settings of `core.windows.WindowSettings`, see [windows.md](windows.md)):
# night-time half-orbits that start within 5 days before the origin time (never at or after it), cross
# the Dobrovolsky circle, and follow a geomagnetically quiet day (Kp ≤ 3, Dst-like index ≥ −30 nT).
# The in-circle observations of each pass are put on a 1 s time base and cut into sequences of
# L = 20 observations of four features: log10 Ne, Te, log10 O+ density, Ti.

# %%
from core.io import read_pass
from core.windows import WindowSettings, windows_for_event

night = passes_near_event(index, event, half="night", product="LAP_1")
print(f"{len(night)} night passes cross the circle in the 5 days before the event")
print(night[["orbit", "start", "n_samples"]].to_string(index=False))

# One file read back: a Pass (docs/data-contracts.md), the same shape whatever the source format.
one_pass = read_pass(ARCHIVE / night["path"].iloc[0])
print({k: one_pass.attrs[k] for k in ("satellite", "product", "orbit", "half")}, dict(one_pass.sizes))
print(
    "coordinates:",
    list(one_pass.coords),
    "| variables:",
    {name: one_pass[name].attrs["units"] for name in one_pass.data_vars},
)

window = WindowSettings()  # the protocol's defaults
ew = windows_for_event(event, index, ARCHIVE, window)
print(f"outcome: {ew.outcome}; sequences: X {ew.X.shape} (sequence, step, feature)")
print("counters:", ew.counters)
per_pass = pd.DataFrame({"orbit": ew.orbit, "hours_before": ew.hours_before, "closest_km": ew.dist_km})
print(
    per_pass.groupby("orbit")
    .agg(sequences=("orbit", "size"), hours_before=("hours_before", "max"), closest_km=("closest_km", "min"))
    .round(1)
    .to_string()
)

# %% [markdown]
# Not every crossing pass gives sequences: a pass that follows a disturbed day is dropped by the
# quiet-time filter (early November 2021 had a geomagnetic storm), and a crossing far from the
# epicentre may hold fewer than 20 in-circle observations. `counters` says what happened.
#
# ## 5. A small labelled dataset
#
# One event is not a dataset. `core.datasets.build_dataset` ([datasets.md](datasets.md)) takes every
# catalog event of the archive's region and period as a positive, draws for each a pseudo-event at the
# same place at another time, free of catalog earthquakes (the negatives), windows both the same way,
# and assigns events to chronological splits.
#
# So we generate a regional archive: a box over eastern Indonesia, the Philippines, Taiwan and the
# Ryukyu Islands, August to November 2021 (passes from 5 days before the first day on). The generator is
# deterministic, so the event's files written above are rewritten byte for byte, and the incremental
# index reads only what changed. The protocol's splits span years; ours span weeks, chronological as in
# the protocol, with our event in the test split:

# %%
from core.datasets import DatasetSettings, build_dataset

REGION = (115.0, -10.0, 150.0, 30.0)  # lon_min, lat_min, lon_max, lat_max (degrees)
regional = generate_archive(
    "CSES-01",
    "2021-07-27",  # first UTC day
    "2021-12-01",  # end day, excluded
    ARCHIVE,
    region=REGION,
    products=("LAP_1", "PAP_0"),
    seed=SEED,
    cache_dir=PYIRI_CACHE,
    progress=False,
)
print(
    f"regional archive: {len(regional.files)} files, {regional.n_events} catalog events in the span, "
    f"{regional.n_events_with_precursor} with an injected precursor"
)
index, _ = scan_archive(ARCHIVE, workers=1, progress=False)

settings = DatasetSettings(
    name="tutorial",
    window=window,
    splits=(
        ("train", "2021-08-01", "2021-10-10"),
        ("validation", "2021-10-11", "2021-10-31"),
        ("test", "2021-11-01", "2021-11-30"),
    ),
    bbox=REGION,  # epicentres inside the generated region only
    seed=SEED,
)
samples, ds_report = build_dataset(
    settings, ARCHIVE, catalog=catalog, out=WORK / "tutorial.nc", workers=1, progress=False
)
print(samples["X"].dims, samples["X"].shape, "features:", [str(f) for f in samples["feature"].values])
counts = pd.DataFrame({k: samples[k].values for k in ("split", "label", "event_id")})
print(counts.groupby(["split", "label"]).agg(samples=("event_id", "size"), events=("event_id", "nunique")))

# %% [markdown]
# Most events give no sequence at all — no night pass crossed the circle in time, or the day was
# disturbed, or the crossing was too short for 20 observations. The report counts every reason:

# %%
print(json.dumps(ds_report.reasons, indent=1))

# %% [markdown]
# ## 6. Two models
#
# Both models have the same scikit-learn face and are trained the protocol's way by
# `core.training.train_model`: fitted on `train` (SeqNetQuake stops early on the validation loss), the
# decision thresholds chosen on `validation` only, and the test split scored once at the end.
#
# **A guard, lowered here on purpose.** Training refuses a train or validation split with fewer than
# `core.models.inputs.MIN_EVENTS_PER_CLASS` = 50 events of a class: below that, a score says nothing.
# Our splits hold a handful of events, so we lower the guard explicitly with
# `min_events_per_class=2`. **The numbers that follow are from a tiny synthetic dataset and mean
# nothing** beyond "the pipeline runs"; SeqNetQuake is also given few epochs to keep the run short.

# %%
from core.models.inputs import MIN_EVENTS_PER_CLASS
from core.training import train_model

print("protocol guard:", MIN_EVENTS_PER_CLASS, "events per class; this tutorial: 2")
results = {}
for name, params in (
    ("random_forest", {"n_estimators": 100}),
    ("seqnetquake", {"epochs": 10, "min_epochs": 3, "patience": 3}),
):
    results[name] = train_model(
        name,
        samples,
        quick=True,  # the fixed quick hyper-parameters (core.training.QUICK_PARAMS) ...
        params=params,  # ... with these overrides
        seed=SEED,
        n_boot=50,
        ground_truth=ARCHIVE / "ground_truth.csv",
        registry_root=REGISTRY,
        make_default=True,
        min_events_per_class=2,
    )

rows = []
for name, res in results.items():
    for split, ev in {"validation": res.validation, **res.tests}.items():
        row = ev.row()
        rows.append(
            {
                "model": name,
                "split": split,
                "samples": row["n_samples"],
                "events": row["n_events"],
                "sample MCC": row["sample_mcc"],
                "event MCC": row["event_mcc"],
            }
        )
print("synthetic testbed, tiny data — not a result:")
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %% [markdown]
# ## 7. Scores for the event
#
# `core.scoring.score_event` is what the dashboard's model panel calls: every registered default model
# scores the event's sequences, each with the sample threshold and event rule it chose on validation.

# %%
from core.scoring import event_samples, event_summary, score_event, scoring_models

models = scoring_models(REGISTRY)
ev_samples = event_samples(samples, EVENT_ID)
scores = score_event(ev_samples, models)
print(f"{ev_samples.sizes['sample']} sequences of {EVENT_ID} (synthetic testbed):")
print(
    event_summary(scores)[
        ["model", "n_samples", "mean_probability", "event_rule", "event_probability", "event_decision"]
    ]
    .round(3)
    .to_string(index=False)
)

# %% [markdown]
# ## 8. One figure
#
# The dashboard's figure builders (`dashboard.figures`) are pure functions of data and import no Dash.
# Here: the event's sequences along latitude, one row per feature, one colour per pass. `core.export`
# writes it as a standalone HTML file (plotly.js embedded: it opens offline).

# %%
from core.export import figure_bytes
from dashboard.figures import sequences_figure

fig = sequences_figure(ev_samples)
fig.update_layout(title=f"{EVENT_ID}: sequences before the shock (synthetic testbed)")
figure_path = WORK / f"{EVENT_ID}-sequences.html"
figure_path.write_bytes(figure_bytes(fig, "html"))
print("figure:", figure_path, f"({figure_path.stat().st_size / 1e6:.1f} MB)")

# %% [markdown]
# ## Where next
#
# - The same steps from the command line: `python -m core generate | index | passes | dataset | train |
#   score` (`--help` on each).
# - The protocol-scale testbed and the paper suite: `make testbed`, `make protocol`,
#   [protocol.md](protocol.md).
# - What every step does, precisely: [index.md](index.md).
