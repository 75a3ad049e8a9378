"""The paper suite's runner: :func:`run_paper_suite` trains the models of experiments (a)–(f) once per
training seed through the whole protocol (fit on train, rule chosen on validation, each test split scored
once), keeps every finished fit under ``<out>/runs`` (a resumed suite refits nothing finished), writes
the CSV tables, figures, ``report.md`` and ``suite.json``, and registers the suite's models with their
cards. The protocol of every fit: ``docs/evaluation.md`` (section "The paper suite").
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import pickle
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.atomic import atomic_path, write_text_atomic
from core.evaluation import (
    METRICS,
    Evaluation,
    PipelineResult,
    fit_select_evaluate,
    placebo_evaluation,
    seed_mean_intervals,
    select_and_evaluate,
)
from core.experiments.design import (
    _PART_TABLE,
    ALIASES,
    BACKGROUND_KEY,
    DEFAULT_KEY,
    DEFAULT_SEEDS,
    FAMILIES,
    FAMILY_TITLES,
    SOURCE_BACKGROUND_KEY,
    SOURCE_KEY,
    SUITE_PARTS,
)
from core.experiments.figures import (
    _molchan_figure,
    export_figures,
    plot_confusion_matrices,
    plot_learning_curve,
    plot_metric_bars,
    plot_roc_pr,
)
from core.experiments.report import PAPER_HEADLINES, SYNTHETIC_STATEMENT, _headline, _report_md
from core.models.inputs import (
    TooFewEventsError,
    feature_names,
    require_events_per_class,
    samples_hash,
    select_split,
    split_names,
    subsample_events,
    value_settings,
)
from core.models.zoo import DISPLAY_NAMES, MODEL_NAMES, make_model
from core.oracle import ORACLE_NAME
from core.training import (
    FINE_TUNE_STRATEGIES,
    QUICK_PARAMS,
    fine_tune,
    is_torch_model,
    pretrain,
    search_hyperparameters,
)

__all__ = ["SeedRuns", "SuiteResult", "load_suite_datasets", "run_paper_suite", "seed_row"]


# --------------------------------------------------------------------------------------------------- datasets


def load_suite_datasets(datasets: Mapping[str, str | os.PathLike[str] | xr.Dataset]) -> dict[str, xr.Dataset]:
    """Load every dataset (paths via :func:`core.datasets.load_samples`); aliases ``cses``/``demeter``
    become ``cses-default``/``demeter-default``."""
    out: dict[str, xr.Dataset] = {}
    for key, value in datasets.items():
        name = ALIASES.get(key, key)
        if isinstance(value, xr.Dataset):
            out[name] = value
            continue
        try:
            from core.datasets import load_samples
        except ImportError:  # pragma: no cover - the datasets module ships with the product
            with xr.open_dataset(value) as ds:
                out[name] = ds.load()
        else:
            out[name] = load_samples(value)
    return out


@dataclass
class SuiteResult:
    """What :func:`run_paper_suite` wrote."""

    out_dir: Path
    tables: dict[str, pd.DataFrame]
    headline: pd.DataFrame
    figures: list[Path]
    figure_format: str
    report: Path
    skipped: dict[str, str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------------ suite


@dataclass
class SeedRuns:
    """One model on one dataset, trained once per training seed of the suite, each through the whole
    protocol; ``seconds`` the fit time per seed."""

    results: list[PipelineResult]
    seconds: list[float]

    @property
    def tests(self) -> dict[str, Evaluation]:
        """The first seed's test evaluations (their keys are the test splits of every seed)."""
        return self.results[0].tests

    def validation_mean(self, level: str = "sample", metric: str = "mcc") -> float:
        """Mean over seeds of a validation metric (what choices between variants are made on)."""
        return float(np.nanmean([getattr(r.validation, level).get(metric, math.nan) for r in self.results]))


def seed_row(evaluations: Sequence[Evaluation], *, boot_seed: int = 0) -> dict[str, Any]:
    """A results-table row for one split over several training seeds: each metric's mean over seeds
    (``sample_mcc``), its sd over seeds (``sample_mcc_sd``, ddof 1) and the 95 % event-bootstrap interval
    of that mean (``sample_mcc_lo``/``_hi``, :func:`core.evaluation.seed_mean_intervals`); the per-seed
    MCCs as text; the event-level Molchan point (fraction alarmed, miss rate, probability gain) at each
    seed's validation-chosen event threshold, averaged."""
    from core.molchan import molchan_point

    out = evaluations[0].row()
    cis = seed_mean_intervals(evaluations, boot_seed=boot_seed)
    for level in ("sample", "event"):
        for m in METRICS:
            vals = np.array([getattr(ev, level).get(m, math.nan) for ev in evaluations], dtype=float)
            out[f"{level}_{m}"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else math.nan
            out[f"{level}_{m}_sd"] = (
                float(np.nanstd(vals, ddof=1)) if np.isfinite(vals).sum() > 1 else math.nan
            )
            out[f"{level}_{m}_lo"], out[f"{level}_{m}_hi"] = cis[level][m]
        out[f"{level}_mcc_by_seed"] = " ".join(f"{getattr(ev, level)['mcc']:.3f}" for ev in evaluations)
    points = np.array(
        [
            molchan_point(ev.events["label"], ev.events["score"], ev.rule.event_threshold)
            for ev in evaluations
        ],
        dtype=float,
    )
    out["molchan_tau"], out["molchan_nu"] = float(points[:, 0].mean()), float(points[:, 1].mean())
    out["probability_gain"] = float(np.nanmean(points[:, 2])) if np.isfinite(points[:, 2]).any() else math.nan
    out["n_seeds"] = len(evaluations)
    return out


class _Suite:
    def __init__(
        self,
        data: dict[str, xr.Dataset],
        *,
        quick: bool,
        seeds: Sequence[int],
        n_boot: int,
        n_trials: int,
        ground_truth: Any,
        progress: Callable[[str], None] | None,
        store: Path | None = None,
        search_models: Sequence[str] | None = None,
        min_events_per_class: int | None = None,
        torch_params: Mapping[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.torch_params = dict(torch_params or {})
        self.min_events = min_events_per_class
        self.search_models = set(MODEL_NAMES if search_models is None else search_models)
        self.quick = quick
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("the suite needs at least one training seed")
        self.seed = self.seeds[0]
        self.n_boot = n_boot
        self.n_trials = n_trials
        self.ground_truth = ground_truth
        self.progress = progress or (lambda msg: None)
        self.store = store
        self.hashes = {k: samples_hash(v) for k, v in data.items()}
        self.cache: dict[tuple[str, str], SeedRuns] = {}
        self.params_cache: dict[tuple[str, str], dict[str, Any]] = {}
        self.oracles: dict[str, PipelineResult | None] = {}
        self.notes: dict[str, str] = {}
        self.timings: dict[str, float] = {}

    # -- helpers ---------------------------------------------------------------------------------------
    def stored(self, tag: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, or its result pickled by an earlier (possibly interrupted) run of this suite
        under ``store/<tag>.pkl``: a resumed run redoes no finished fit. Written atomically."""
        if self.store is None:
            return compute()
        path = self.store / f"{tag}.pkl"
        if path.exists():
            try:
                with open(path, "rb") as fh:
                    return pickle.load(fh)
            except Exception:  # a damaged entry is recomputed
                path.unlink(missing_ok=True)
        value = compute()
        self.store.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(value, fh)
        return value

    def parts(self, key: str) -> tuple[xr.Dataset, xr.Dataset, dict[str, xr.Dataset]]:
        ds = self.data[key]
        splits = split_names(ds)
        if "train" not in splits or "validation" not in splits:
            raise ValueError(f"dataset {key!r} needs train and validation splits, has {splits}")
        tests = {s: select_split(ds, s) for s in splits if s not in {"train", "validation"}}
        train, validation = select_split(ds, "train"), select_split(ds, "validation")
        for split, part in (("train", train), ("validation", validation)):
            try:
                require_events_per_class(part, split, self.min_events)
            except TooFewEventsError as exc:
                raise TooFewEventsError(f"dataset {key!r}: {exc}") from None
        return train, validation, tests

    def satellite(self, key: str) -> str | None:
        ds = self.data[key]
        if "satellite" not in ds.coords:
            return None
        vals = np.unique(np.asarray(ds["satellite"].values).astype(str))
        return str(vals[0]) if len(vals) == 1 else None

    def eval_kwargs(self, key: str) -> dict[str, Any]:
        return {
            "features": feature_names(self.data[key]),
            "n_boot": self.n_boot,
            "seed": self.seed,
            "ground_truth": self.ground_truth,
            "satellite": self.satellite(key),
        }

    def params(self, name: str, key: str) -> dict[str, Any]:
        """Quick params, or the validation search's best (cached per dataset hash; seed-free). A model is
        searched on validation of :data:`DEFAULT_KEY` (when the suite has it) and those parameters serve
        every variant dataset; models outside ``search_models`` keep :data:`QUICK_PARAMS`."""
        ck = (self.hashes[key], name)
        if ck not in self.params_cache:
            searched = not self.quick and self.n_trials > 0 and name in self.search_models
            if not searched:
                params = dict(QUICK_PARAMS.get(name, {}))
            elif key != DEFAULT_KEY and DEFAULT_KEY in self.data:
                params = dict(self.params(name, DEFAULT_KEY))
            else:
                train, validation, _ = self.parts(key)
                self.progress(f"search {name} on {key} ({self.n_trials} trials)")
                res = search_hyperparameters(
                    name,
                    train,
                    validation,
                    n_trials=self.n_trials,
                    seed=self.seed,
                    features=feature_names(self.data[key]),
                    progress=lambda n, v: self.progress(f"search {name} on {key}: trial {n} → {v:.3f}"),
                    **self.study_kwargs(name, key),
                )
                params = res.best_params
            if is_torch_model(name):
                params.update(self.torch_params)
            self.params_cache[ck] = {k: v for k, v in params.items() if k != "seed"}
        return self.params_cache[ck]

    def study_kwargs(self, name: str, key: str) -> dict[str, Any]:
        """Where the optuna study of ``name`` on ``key`` persists (resumable), when the suite has a store."""
        if self.store is None:
            return {}
        return {"storage_dir": self.store / "studies", "study_name": f"{name}-{self.hashes[key]}"}

    def tag(self, *parts: Any) -> str:
        mode = "quick" if self.quick or self.n_trials <= 0 else f"search{self.n_trials}"
        torch = [f"{k}-{v}" for k, v in sorted(self.torch_params.items())]  # kept apart on resume
        return "__".join(str(p) for p in (mode, *torch, *parts)).replace("/", "_").replace(" ", "_")

    def fit_eval(self, name: str, key: str) -> SeedRuns:
        ck = (self.hashes[key], name)
        if ck not in self.cache:
            params = self.params(name, key)
            train, validation, tests = self.parts(key)
            results, seconds = [], []
            for seed in self.seeds:

                def run(seed: int = seed) -> tuple[PipelineResult, float]:
                    self.progress(f"train {name} on {key} (seed {seed})")
                    t0 = time.perf_counter()
                    res = fit_select_evaluate(
                        lambda: make_model(name, **{**params, "seed": seed}),
                        train,
                        validation,
                        tests,
                        **self.eval_kwargs(key),
                    )
                    return replace(res, model=None), time.perf_counter() - t0

                res, secs = self.stored(self.tag("fit", name, self.hashes[key], seed), run)
                results.append(res)
                seconds.append(secs)
            self.cache[ck] = SeedRuns(results, seconds)
        return self.cache[ck]

    def oracle(self, key: str) -> PipelineResult | None:
        """The physical limit on dataset ``key`` (:mod:`core.oracle`), or ``None`` when it cannot apply
        (no ground truth, or features that are not raw log densities)."""
        if key not in self.oracles:
            res = None
            if self.ground_truth is not None:
                try:
                    from core.oracle import json_settings, oracle_pipeline

                    settings = json_settings(self.data[key])
                    if settings.get("background", "none") == "none" and "Ne" in feature_names(self.data[key]):

                        def run() -> PipelineResult:
                            self.progress(f"oracle on {key}")
                            return oracle_pipeline(
                                self.data[key],
                                ground_truth=self.ground_truth,
                                n_boot=self.n_boot,
                                seed=self.seed,
                            )

                        res = self.stored(self.tag("oracle", self.hashes[key]), run)
                except (ValueError, KeyError, OSError) as exc:
                    self.progress(f"oracle on {key} unavailable: {exc}")
                    res = None
            self.oracles[key] = res
        return self.oracles[key]

    def row(
        self,
        experiment: str,
        variant: str,
        model: str,
        key: str,
        runs: SeedRuns | PipelineResult,
        split: str,
        seconds: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        results = runs.results if isinstance(runs, SeedRuns) else [runs]
        train, validation, _ = self.parts(key)
        out: dict[str, Any] = {
            "experiment": experiment,
            "variant": variant,
            "model": model,
            "model_name": DISPLAY_NAMES.get(model, model),
            "dataset": key,
            "dataset_hash": self.hashes[key],
            "n_train_samples": int(train.sizes["sample"]),
            "n_train_events": int(len(np.unique(train["event_id"].values))),
            "n_validation_samples": int(validation.sizes["sample"]),
            "validation_sample_mcc": float(np.nanmean([r.validation.sample["mcc"] for r in results])),
            "validation_event_mcc": float(np.nanmean([r.validation.event["mcc"] for r in results])),
            "fit_seconds": (
                float(np.mean(runs.seconds)) if isinstance(runs, SeedRuns) else float(seconds or 0.0)
            ),
        }
        out.update(extra)
        out.update(seed_row([r.tests[split] for r in results], boot_seed=self.seed))
        if not isinstance(runs, SeedRuns):
            out["n_seeds"] = 0  # deterministic (the oracle)
        return out

    def oracle_for(self, key: str) -> tuple[PipelineResult | None, str]:
        """The oracle of ``key``, or — for deviation features, which it cannot read — of the raw
        :data:`DEFAULT_KEY` (same events and passes, samples without a background value included), with
        the dataset it was computed on."""
        res = self.oracle(key)
        if res is None and key == BACKGROUND_KEY and DEFAULT_KEY in self.data:
            return self.oracle(DEFAULT_KEY), DEFAULT_KEY
        return res, key

    def oracle_rows(self, experiment: str, key: str, variant: str = ORACLE_NAME, **extra: Any) -> list[dict]:
        res, src = self.oracle_for(key)
        if res is None:
            return []
        if src != key:
            variant = f"{variant}, on {src}"
        return [self.row(experiment, variant, "oracle", src, res, split, **extra) for split in res.tests]

    # -- (a)(b)(c) -------------------------------------------------------------------------------------
    def family(self, family: str) -> tuple[pd.DataFrame, str | None]:
        rows = []
        for key, label in FAMILIES[family].items():
            if key not in self.data:
                continue
            try:
                runs = self.fit_eval("seqnetquake", key)
            except ValueError as exc:  # e.g. a variant with too few events per class: noted, not trained
                if key == DEFAULT_KEY:
                    raise
                self.notes[f"{family}: {label}"] = str(exc)
                continue
            for split in runs.tests:
                rows.append(self.row(family, label, "seqnetquake", key, runs, split))
            rows += self.oracle_rows(family, key, f"{label} — {ORACLE_NAME}")
        if not rows:
            return pd.DataFrame(), f"none of the datasets {list(FAMILIES[family])} was given"
        return pd.DataFrame(rows), None

    # -- features: raw vs deviation from the quiet background -----------------------------------------
    def feature_choice(self) -> tuple[pd.DataFrame, str]:
        """SeqNetQuake on raw (``cses-default``) and deviation (``cses-background``) features; the one with
        the higher mean validation event MCC over seeds becomes the main dataset of (d) and (e)."""
        runs = {key: self.fit_eval("seqnetquake", key) for key in (DEFAULT_KEY, BACKGROUND_KEY)}
        chosen = max(runs, key=lambda k: runs[k].validation_mean("event"))
        rows = []
        for key, label in (
            (DEFAULT_KEY, "raw log densities"),
            (BACKGROUND_KEY, "deviation from quiet background"),
        ):
            for split in runs[key].tests:
                rows.append(self.row("f_features", label, "seqnetquake", key, runs[key], split))
        rows += self.oracle_rows("f_features", DEFAULT_KEY)
        table = pd.DataFrame(rows)
        table["chosen_on_validation"] = (table["dataset"] == chosen) & (table["model"] != "oracle")
        return table, chosen

    # -- (d) -------------------------------------------------------------------------------------------
    def transfer(
        self, key: str, src: str, strategies: Sequence[str], fractions: Sequence[float], curve_seeds: int
    ):
        train, validation, tests = self.parts(key)
        feats = feature_names(self.data[key])
        missing = set(feats) - set(feature_names(self.data[src]))
        if missing:
            raise ValueError(f"the source dataset lacks the target's features {sorted(missing)}")
        if self.data[src].sizes["step"] != self.data[key].sizes["step"]:
            raise ValueError("source and target datasets have different sequence lengths")
        kw = self.eval_kwargs(key)
        params = self.params("seqnetquake", key)
        rows: list[dict[str, Any]] = []
        direct = self.fit_eval("seqnetquake", key)
        for split in direct.tests:
            rows.append(
                self.row(
                    "d_transfer", "direct (CSES only)", "seqnetquake", key, direct, split, strategy="direct"
                )
            )
        source = self.data[src]
        pretrained: dict[int, Any] = {}
        pre_secs: list[float] = []
        zero_results: list[PipelineResult] = []
        for seed in self.seeds:

            def run_pre(seed: int = seed) -> tuple[Any, float]:
                self.progress(f"pre-train seqnetquake on {src} (seed {seed})")
                t0 = time.perf_counter()
                return _pretrain_on(source, {**params, "seed": seed}, feats, seed), time.perf_counter() - t0

            pretrained[seed], secs = self.stored(self.tag("pretrain", self.hashes[src], key, seed), run_pre)
            pre_secs.append(secs)

            def run_zero(seed: int = seed) -> PipelineResult:
                return replace(select_and_evaluate(pretrained[seed], validation, tests, **kw), model=None)

            zero_tag = self.tag("zero", self.hashes[src], self.hashes[key], seed)
            zero_results.append(self.stored(zero_tag, run_zero))
        zero = SeedRuns(zero_results, pre_secs)
        for split in zero.tests:
            rows.append(
                self.row(
                    "d_transfer",
                    "DEMETER pre-trained, no fine-tuning",
                    "seqnetquake",
                    key,
                    zero,
                    split,
                    strategy="pretrained_only",
                )
            )
        tuned: dict[str, SeedRuns] = {}
        for strategy in strategies:
            results, seconds = [], []
            for seed in self.seeds:

                def run_ft(seed: int = seed, strategy: str = strategy) -> tuple[PipelineResult, float]:
                    self.progress(f"fine-tune ({strategy}) on {key} (seed {seed})")
                    t0 = time.perf_counter()
                    model = fine_tune(pretrained[seed], train, validation, strategy=strategy, features=feats)
                    secs = time.perf_counter() - t0
                    return replace(select_and_evaluate(model, validation, tests, **kw), model=None), secs

                res, secs = self.stored(
                    self.tag("finetune", strategy, self.hashes[src], self.hashes[key], seed), run_ft
                )
                results.append(res)
                seconds.append(secs)
            tuned[strategy] = SeedRuns(results, seconds)
            for split in tuned[strategy].tests:
                rows.append(
                    self.row(
                        "d_transfer",
                        f"transfer: {strategy}",
                        "seqnetquake",
                        key,
                        tuned[strategy],
                        split,
                        strategy=strategy,
                    )
                )
        best = max(strategies, key=lambda s: tuned[s].validation_mean()) if strategies else None
        rows += self.oracle_rows("d_transfer", key, strategy="oracle")
        table = pd.DataFrame(rows)
        table["chosen_on_validation"] = table["strategy"] == best
        # learning curve over CSES training fractions (each point: one seed per repetition)
        curve: list[dict[str, Any]] = []
        for frac in fractions:
            for rep in range(curve_seeds):
                sub_seed = self.seeds[rep % len(self.seeds)] + rep // len(self.seeds) * 1000
                sub = subsample_events(train, frac, sub_seed)
                n_ev = int(len(np.unique(sub["event_id"].values)))
                methods: list[tuple[str, PipelineResult, float]] = []
                if frac == 1.0 and rep < len(self.seeds):
                    methods.append(("direct", direct.results[rep], direct.seconds[rep]))
                    if best is not None:
                        methods.append(
                            (f"transfer ({best})", tuned[best].results[rep], tuned[best].seconds[rep])
                        )
                else:

                    def run_curve(
                        sub: xr.Dataset = sub, sub_seed: int = sub_seed, frac: float = frac, rep: int = rep
                    ):
                        out = []
                        self.progress(f"learning curve {frac:.0%} (seed {sub_seed}): direct")
                        t0 = time.perf_counter()
                        res_d = fit_select_evaluate(
                            lambda: make_model("seqnetquake", **{**params, "seed": sub_seed}),
                            sub,
                            validation,
                            tests,
                            **kw,
                        )
                        out.append(("direct", replace(res_d, model=None), time.perf_counter() - t0))
                        if best is not None:
                            self.progress(f"learning curve {frac:.0%} (seed {sub_seed}): transfer ({best})")
                            t0 = time.perf_counter()
                            pre = pretrained[self.seeds[rep % len(self.seeds)]]
                            res_t = select_and_evaluate(
                                fine_tune(pre, sub, validation, strategy=best, features=feats),
                                validation,
                                tests,
                                **kw,
                            )
                            out.append(
                                (f"transfer ({best})", replace(res_t, model=None), time.perf_counter() - t0)
                            )
                        return out

                    methods = self.stored(
                        self.tag("curve", frac, best, self.hashes[src], self.hashes[key], sub_seed), run_curve
                    )
                for method, res, secs in methods:
                    ev = res.tests.get("test") or next(iter(res.tests.values()))
                    curve.append(
                        {
                            "fraction": frac,
                            "seed": sub_seed,
                            "method": method,
                            "n_train_events": n_ev,
                            "n_train_samples": int(sub.sizes["sample"]),
                            "fit_seconds": secs,
                            **ev.row(),
                        }
                    )
        return table, pd.DataFrame(curve), best, {"pretrain_seconds": float(np.mean(pre_secs))}

    # -- (e) -------------------------------------------------------------------------------------------
    def benchmarks(self, key: str, models: Sequence[str], placebo_modes: Sequence[str]):
        rows = []
        results: dict[str, SeedRuns] = {}
        for name in models:
            runs = self.fit_eval(name, key)
            results[name] = runs
            for split in runs.tests:
                rows.append(self.row("e_benchmarks", DISPLAY_NAMES.get(name, name), name, key, runs, split))
        rows += self.oracle_rows("e_benchmarks", key)
        train, validation, tests = self.parts(key)
        params = self.params("seqnetquake", key)
        placebo_rows = []
        # no ceiling for placebo rows: the ground truth belongs to the true labels
        kw = {k: v for k, v in self.eval_kwargs(key).items() if k not in {"seed", "ground_truth"}}
        for mode in placebo_modes:
            res_list, seconds = [], []
            for seed in self.seeds:

                def run(seed: int = seed, mode: str = mode) -> tuple[PipelineResult, float]:
                    self.progress(f"placebo ({mode}) with seqnetquake on {key} (seed {seed})")
                    t0 = time.perf_counter()
                    res = placebo_evaluation(
                        lambda: make_model("seqnetquake", **{**params, "seed": seed}),
                        train,
                        validation,
                        tests,
                        mode=mode,
                        seed=seed,
                        **kw,
                    )
                    return replace(res, model=None), time.perf_counter() - t0

                res, secs = self.stored(self.tag("placebo", mode, self.hashes[key], seed), run)
                res_list.append(res)
                seconds.append(secs)
            runs = SeedRuns(res_list, seconds)
            for split in runs.tests:
                placebo_rows.append(
                    self.row("placebo", f"placebo ({mode}: event labels)", "seqnetquake", key, runs, split)
                )
        return pd.DataFrame(rows), pd.DataFrame(placebo_rows), results

    # -- registry: the suite's models for the dashboard ----------------------------------------------
    def register(
        self,
        key: str,
        names: Sequence[str],
        table: pd.DataFrame,
        registry: Path,
        report: Path,
        *,
        default: bool,
        registry_name: str | None = None,
    ) -> list[str]:
        """Save the first seed's fit of each model of ``names`` on dataset ``key`` into ``registry`` with its
        model card (:mod:`core.model_cards`: the seed statistics of its ``table`` row, the split periods
        and events); a model already registered for this dataset is kept (a rerun resumes). The fit is
        the suite's own (same parameters and seed), redone because the suite keeps no weights.
        ``registry_name``: the name a single model is saved under (default its own)."""
        from core.model_cards import suite_summary
        from core.models.registry import list_models
        from core.training import train_model

        done = list_models(registry)
        h = self.hashes[key]
        saved = []
        for name in names:
            if ((done["name"] == (registry_name or name)) & (done["dataset_hash"] == h)).any():
                continue
            rows = table[(table["model"] == name) & (table["dataset_hash"] == h) & (table["split"] == "test")]
            self.progress(f"register {name} trained on {key} (seed {self.seed})")
            train_model(
                name,
                self.data[key],
                params=self.params(name, key),
                seed=self.seed,
                n_boot=self.n_boot,
                ground_truth=self.ground_truth,
                registry_root=registry,
                make_default=default,
                min_events_per_class=self.min_events,
                suite=suite_summary(rows.iloc[0], report) if len(rows) else None,
                registry_name=registry_name,
            )
            saved.append(name)
        return saved


#: the registry name of SeqNetQuake trained on the DEMETER source dataset (beside the CSES-01 models)
SOURCE_MODEL_NAME = "seqnetquake_demeter"


def _register_suite(
    suite: _Suite,
    registry: Path,
    title: str,
    report: Path,
    tables: Mapping[str, pd.DataFrame],
    main_key: str,
    names: Sequence[str],
) -> None:
    """The suite's models into ``registry`` (:meth:`_Suite.register`) and its ``registry.json``."""
    from core.model_cards import RegistryInfo, write_registry_info

    if names and "e_benchmarks" in tables:
        suite.register(main_key, names, tables["e_benchmarks"], registry, report, default=True)
    lengths = tables.get("b_sequence_lengths")
    if lengths is not None and not lengths.empty and main_key in suite.data:
        made = value_settings(suite.data[main_key].attrs.get("settings"))
        for key in FAMILIES["b_sequence_lengths"]:
            usable = key in suite.data and value_settings(suite.data[key].attrs.get("settings")) == made
            if usable and key != main_key and (lengths["dataset"] == key).any():  # scores the main's way
                suite.register(key, ["seqnetquake"], lengths, registry, report, default=False)
    if SOURCE_KEY in suite.data:  # DEMETER's own SeqNetQuake (the transfer's source): scores DEMETER events
        no_rows = pd.DataFrame(columns=["model", "dataset_hash", "split"])
        suite.register(
            SOURCE_KEY,
            ["seqnetquake"],
            no_rows,
            registry,
            report,
            default=True,
            registry_name=SOURCE_MODEL_NAME,
        )
    config = str(suite.data[main_key].attrs.get("config_name", main_key)) if main_key in suite.data else None
    write_registry_info(
        registry,
        RegistryInfo(
            title=title,
            report=str(report),
            synthetic=suite.ground_truth is not None,
            dataset_config=config,
            description=f"first training seed of each model of {report}/report.md",
        ),
    )


def _pretrain_on(source: xr.Dataset, params: Mapping[str, Any], feats: Sequence[str], seed: int) -> Any:
    return pretrain(source, params, features=feats, seed=seed)


# ----------------------------------------------------------------------------------------------------- runner


def run_paper_suite(
    datasets: Mapping[str, str | os.PathLike[str] | xr.Dataset],
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = True,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    n_boot: int | None = None,
    n_trials: int = 20,
    ground_truth: str | os.PathLike[str] | pd.DataFrame | None = None,
    models: Sequence[str] = MODEL_NAMES,
    strategies: Sequence[str] = tuple(FINE_TUNE_STRATEGIES),
    fractions: Sequence[float] = (0.1, 0.25, 0.5, 1.0),
    curve_seeds: int | None = None,
    placebo_modes: Sequence[str] | None = None,
    figures: bool = True,
    png: bool = True,
    resume: bool = True,
    search_models: Sequence[str] | None = None,
    command: str | None = None,
    min_events_per_class: int | None = None,
    parts: Sequence[str] | None = None,
    registry: str | os.PathLike[str] | None = None,
    registry_title: str = "experiments suite",
    torch_params: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Run experiments (a)–(e) on ``datasets`` and write CSV tables, figures and ``report.md`` to ``out_dir``.

    Every model is trained once per seed of ``seeds`` (each through the whole protocol); its figures are
    the mean over seeds, the sd over seeds and the 95 % event-bootstrap interval of the mean.
    ``quick``: fixed hyper-parameters (:data:`core.training.QUICK_PARAMS`), ``n_boot`` 200, one placebo
    (shuffle); otherwise an optuna search of ``n_trials`` per model and dataset on validation (studies
    persisted under ``out_dir/runs/studies``) on ``cses-default`` whose best parameters serve every
    variant, for the models of ``search_models`` (default all; the others keep the quick parameters),
    ``n_boot`` 1000, placebo shuffle and shift.
    ``ground_truth``: the synthetic archive's ``ground_truth.csv`` (adds the label ceiling and the oracle
    rows, :mod:`core.oracle`). ``resume``: every finished fit is kept under ``out_dir/runs`` and reused by
    a rerun (an interrupted suite continues where it stopped). ``command``: the command line that made
    the run, quoted at the top of the report. ``min_events_per_class``: the events of each class a train
    or validation split needs (default :data:`core.models.inputs.MIN_EVENTS_PER_CLASS`; lower only for
    a small demo, and the report says so). ``parts``: the experiments to run (:data:`SUITE_PARTS`, default
    all; with ``resume`` a suite can run in parts and be completed later). ``registry``: a model registry
    that receives the first seed's fit of every (e) model (the dashboard's defaults) and of SeqNetQuake at
    each other L of (b), each with its model card (:mod:`core.model_cards`), described by
    ``registry.json`` (``registry_title``). ``torch_params`` (``batch_size``, ``device``) go to the PyTorch
    models over their quick or searched parameters. ``progress(message)`` is called before each fit.
    """
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = load_suite_datasets(datasets)
    n_boot = int(n_boot if n_boot is not None else (200 if quick else 1000))
    curve_seeds = int(curve_seeds if curve_seeds is not None else len(seeds))
    placebo_modes = tuple(
        placebo_modes if placebo_modes is not None else (("shuffle",) if quick else ("shuffle", "shift"))
    )
    suite = _Suite(
        data,
        quick=quick,
        seeds=seeds,
        n_boot=n_boot,
        n_trials=n_trials,
        ground_truth=ground_truth,
        progress=progress,
        store=out / "runs" if resume else None,
        search_models=search_models,
        min_events_per_class=min_events_per_class,
        torch_params=torch_params,
    )
    tables: dict[str, pd.DataFrame] = {}
    skipped: dict[str, str] = {}
    timings: dict[str, float] = {}
    best_strategy = None
    e_results: dict[str, SeedRuns] = {}

    main_key, main_source = DEFAULT_KEY, SOURCE_KEY
    t0 = time.perf_counter()
    wanted = set(SUITE_PARTS if parts is None else parts)
    unknown = wanted - set(SUITE_PARTS)
    if unknown:
        raise ValueError(f"unknown suite part(s) {sorted(unknown)}; known: {', '.join(SUITE_PARTS)}")
    for part in sorted(set(SUITE_PARTS) - wanted):
        skipped[_PART_TABLE[part]] = "not asked for in this run (parts)"
    if "f" in wanted and DEFAULT_KEY in data and BACKGROUND_KEY in data:
        tables["f_features"], main_key = suite.feature_choice()
        if main_key == BACKGROUND_KEY:
            main_source = SOURCE_BACKGROUND_KEY
            if main_source not in data:  # transfer then compares raw features, said in the report
                skipped["d_transfer (deviation features)"] = (
                    f"no {SOURCE_BACKGROUND_KEY!r} dataset: (d) uses the raw {DEFAULT_KEY!r} / {SOURCE_KEY!r}"
                )
                main_source = SOURCE_KEY
    elif "f" in wanted:
        skipped["f_features"] = f"needs the datasets {DEFAULT_KEY!r} and {BACKGROUND_KEY!r}"
    timings["f_features"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if "e" in wanted and main_key in data:
        e_table, placebo, e_results = suite.benchmarks(main_key, models, placebo_modes)
        tables["e_benchmarks"] = e_table
        if not placebo.empty:
            tables["placebo"] = placebo
    elif "e" in wanted:
        skipped["e_benchmarks"] = f"needs the dataset {main_key!r}"
    timings["e_benchmarks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    d_key = main_key if main_source != SOURCE_KEY else DEFAULT_KEY
    if "d" in wanted and d_key in data and main_source in data:
        d_table, curve, best_strategy, extra = suite.transfer(
            d_key, main_source, strategies, fractions, curve_seeds
        )
        tables["d_transfer"], tables["d_learning_curve"] = d_table, curve
        timings.update(extra)
    elif "d" in wanted:
        skipped["d_transfer"] = f"needs the datasets {d_key!r} and {main_source!r}"
    timings["d_transfer"] = time.perf_counter() - t0
    # the families last: (f), (e) and (d) make the headline; the variants are the longest fits
    for family in (f for f in FAMILIES if f[0] in wanted):
        t0 = time.perf_counter()
        table, why = suite.family(family)
        timings[family] = time.perf_counter() - t0
        if why:
            skipped[family] = why
        else:
            tables[family] = table
    skipped.update(suite.notes)
    headline = _headline(tables, best_strategy)
    for name, table in {**tables, "headline": headline}.items():
        with atomic_path(out / f"{name}.csv") as tmp:
            table.to_csv(tmp, index=False)

    if registry is not None:
        t0 = time.perf_counter()
        _register_suite(suite, Path(registry), registry_title, out, tables, main_key, list(e_results))
        timings["registry"] = time.perf_counter() - t0

    figure_paths: list[Path] = []
    figure_format = "none"
    if figures:
        figs: dict[str, Any] = {}
        tests = {
            DISPLAY_NAMES.get(n, n): r.results[0].tests["test"]
            for n, r in e_results.items()
            if "test" in r.tests
        }
        oracle = suite.oracle_for(main_key)[0] if tests else None
        if oracle is not None and "test" in oracle.tests:
            tests[ORACLE_NAME] = oracle.tests["test"]
        if tests:
            figs["e_roc_pr"] = plot_roc_pr(tests)
            figs["e_confusion"] = plot_confusion_matrices(tests)
            figs["e_molchan"] = _molchan_figure(tests)
            figs["e_models_mcc"] = plot_metric_bars(
                pd.concat([tables["e_benchmarks"], tables.get("placebo", pd.DataFrame())], ignore_index=True),
                "(e) Test MCC: SeqNetQuake, benchmarks, placebo, oracle",
            )
        for family, title in FAMILY_TITLES.items():
            if family in tables:
                figs[f"{family}_mcc"] = plot_metric_bars(tables[family], f"{title}: test MCC (SeqNetQuake)")
        if "d_transfer" in tables:
            figs["d_transfer_mcc"] = plot_metric_bars(
                tables["d_transfer"], "(d) Direct vs transfer: test MCC"
            )
        if "d_learning_curve" in tables and not tables["d_learning_curve"].empty:
            figs["d_learning_curve"] = plot_learning_curve(tables["d_learning_curve"])
        t0 = time.perf_counter()
        figure_paths, figure_format = export_figures(figs, out / "figures", png=png)
        timings["figures"] = time.perf_counter() - t0

    info = {
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "seeds": list(suite.seeds),
        "main_dataset": main_key,
        "n_boot": n_boot,
        "n_trials": 0 if quick else n_trials,
        "search_models": [] if quick else sorted(suite.search_models),
        "command": command,
        "min_events_per_class": min_events_per_class,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores (shared)",
        "datasets": {
            k: {
                "hash": suite.hashes[k],
                "n_samples": int(v.sizes["sample"]),
                "L": int(v.sizes["step"]),
                "features": feature_names(v),
                "splits": {
                    s: int((np.asarray(v["split"].values).astype(str) == s).sum()) for s in split_names(v)
                },
            }
            for k, v in data.items()
        },
    }
    report = out / "report.md"
    write_text_atomic(
        report, _report_md(tables, headline, figure_paths, figure_format, info, skipped, best_strategy)
    )
    timings["total"] = time.perf_counter() - t_start
    meta = {
        **info,
        "best_strategy": best_strategy,
        "skipped": skipped,
        "timings_s": timings,
        "figure_format": figure_format,
        "params": {f"{name}@{h}": p for (h, name), p in suite.params_cache.items()},
        "paper": PAPER_HEADLINES,
        "statement": SYNTHETIC_STATEMENT,
    }
    write_text_atomic(out / "suite.json", json.dumps(meta, indent=2, default=str) + "\n")
    return SuiteResult(
        out, tables, headline, figure_paths, figure_format, report, skipped, timings["total"], timings
    )
