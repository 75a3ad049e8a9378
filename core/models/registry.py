"""The model registry: every trained model in its own folder, loaded by name and version.

``<root>/<name>/<version>/`` (``v001``, ``v002``, …; ``root`` defaults to ``<work_dir>/models``) holds the
settings, the decision rule and the metrics as JSON, and the weights (``weights.pt`` + ``state.joblib``,
or ``estimator.joblib``); ``<root>/defaults.json`` names the default versions. A version is written in a
hidden folder and renamed into place. joblib files are pickles: load registries you trust. Layout:
``docs/data-contracts.md`` (section "Model registry").
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.atomic import atomic_path, fsync_dir, remove_stale_temps, write_text_atomic
from core.config import Settings, default_settings
from core.models.decision import DecisionRule

__all__ = [
    "DEFAULTS_NAME",
    "LoadedModel",
    "ModelRecord",
    "default_models",
    "default_registry_root",
    "list_models",
    "load_default_models",
    "load_model",
    "model_record",
    "protocol_registry_root",
    "resolve_version",
    "save_model",
    "scoring_registry",
    "set_default",
    "version_for_length",
]

DEFAULTS_NAME = "defaults.json"
_VERSION_RE = re.compile(r"^v(\d+)$")
_TEMP_DIR_RE = re.compile(r"^\.tmp-[a-z0-9_]{8}$")  # tempfile.mkdtemp(prefix=".tmp-") in save_model


def default_registry_root(settings: Settings | None = None) -> Path:
    """``<work_dir>/models`` of the settings (``SEQNETQUAKE_WORK_DIR`` moves it)."""
    return (settings or default_settings()).work_dir / "models"


def protocol_registry_root(settings: Settings | None = None) -> Path:
    """``<reports_dir>/protocol/registry``: the models of the protocol-scale run (``make protocol``)."""
    return (settings or default_settings()).reports_dir / "protocol" / "registry"


def scoring_registry(settings: Settings | None = None) -> Path:
    """The registry whose default models score events in the dashboard: ``settings.registry_dir``
    (``SEQNETQUAKE_REGISTRY``, ``python -m dashboard --registry``) when set; else the protocol-scale run's
    (:func:`protocol_registry_root`) when it holds default models; else the demo's
    (:func:`default_registry_root`)."""
    settings = settings or default_settings()
    if settings.registry_dir is not None:
        return settings.registry_dir
    protocol = protocol_registry_root(settings)
    return protocol if (protocol / DEFAULTS_NAME).is_file() else default_registry_root(settings)


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(root) if root is not None else default_registry_root()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.datetime | np.datetime64 | pd.Timestamp):
        return str(obj)
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    """Recursively replace non-finite floats by None (strict JSON, readable by any tool)."""
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(float(obj)) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _dumps(data: Any) -> str:
    """Strict JSON (NaN → null), sorted keys, indented."""
    text = json.dumps(_clean(data), indent=2, sort_keys=True, default=_json_default, allow_nan=False)
    return text + "\n"


@dataclass(frozen=True)
class ModelRecord:
    """Where a saved model lives and what its JSON files say."""

    name: str
    version: str
    path: Path
    settings: dict[str, Any]
    metrics: dict[str, Any]
    rule: DecisionRule | None

    @property
    def created(self) -> str:
        """Creation time (ISO 8601, UTC)."""
        return str(self.settings.get("created", ""))

    @property
    def dataset_hash(self) -> str:
        """Hash of the Samples dataset the model was trained on."""
        return str(self.settings.get("dataset_hash", ""))


@dataclass
class LoadedModel:
    """A fitted estimator loaded from the registry, with its decision rule and metadata."""

    name: str
    version: str
    path: Path
    estimator: Any
    rule: DecisionRule | None
    settings: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str] | None:
        """Feature names (in the order the model expects) or None when unrecorded."""
        feats = self.settings.get("features")
        return list(feats) if feats else None

    @property
    def seq_len(self) -> int | None:
        """Sequence length L the model was trained on."""
        value = self.settings.get("seq_len")
        return int(value) if value is not None else None

    def predict_proba(self, X: Any) -> np.ndarray:
        """The estimator's class probabilities (n, 2)."""
        return self.estimator.predict_proba(X)


# ---------------------------------------------------------------------------------------------- versions


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _version_dirs(root: Path, name: str) -> list[Path]:
    folder = root / name
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "settings.json").exists()
    ]


def _sorted_versions(root: Path, name: str) -> list[str]:
    def key(p: Path) -> tuple[str, int, str]:
        m = _VERSION_RE.match(p.name)
        return (str(_read_json(p / "settings.json").get("created", "")), int(m.group(1)) if m else -1, p.name)

    return [p.name for p in sorted(_version_dirs(root, name), key=key)]


def resolve_version(name: str, version: str = "latest", root: str | os.PathLike[str] | None = None) -> str:
    """The concrete version folder name for ``version`` (``"latest"`` → the most recently created)."""
    r = _root(root)
    versions = _sorted_versions(r, name)
    if not versions:
        raise FileNotFoundError(f"no saved model named {name!r} under {r}")
    if version == "latest":
        return versions[-1]
    if version not in versions:
        raise FileNotFoundError(f"model {name!r} has no version {version!r}; saved: {', '.join(versions)}")
    return version


def version_for_length(
    name: str, version: str, seq_len: int | None, *, root: str | os.PathLike[str] | None = None
) -> str:
    """``version`` of ``name`` when it was trained on ``seq_len`` steps (or ``seq_len`` is None), else the
    newest version trained on ``seq_len`` steps, else ``version`` unchanged."""
    r = _root(root)

    def trained_on(v: str) -> Any:
        return _read_json(r / name / v / "settings.json").get("seq_len")

    if seq_len is None or trained_on(version) == seq_len:  # the common case reads one small file
        return version
    matching = [v for v in _sorted_versions(r, name) if trained_on(v) == seq_len]
    return matching[-1] if matching else version


def _next_version(root: Path, name: str) -> str:
    numbers = [int(m.group(1)) for p in (root / name).glob("v*") if (m := _VERSION_RE.match(p.name))]
    return f"v{max(numbers, default=0) + 1:03d}"


# ------------------------------------------------------------------------------------------------- save


def _library_versions() -> dict[str, str]:
    """Versions of the libraries a saved model depends on, without importing them (PyTorch takes seconds)."""
    from importlib import metadata

    out = {}
    dists = {"numpy": "numpy", "sklearn": "scikit-learn", "torch": "torch", "xarray": "xarray"}
    for mod, dist in dists.items():
        try:
            out[mod] = sys.modules[mod].__version__ if mod in sys.modules else metadata.version(dist)
        except Exception:  # informational only
            continue
    return out


def _is_torch(estimator: Any) -> bool:
    return hasattr(estimator, "module_") and hasattr(estimator, "fitted_state")


def save_model(
    estimator: Any,
    name: str,
    *,
    root: str | os.PathLike[str] | None = None,
    rule: DecisionRule | None = None,
    metrics: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    dataset_hash: str | None = None,
    features: Sequence[str] | None = None,
    version: str | None = None,
    make_default: bool = False,
) -> ModelRecord:
    """Save a fitted estimator as ``<root>/<name>/<version>/`` (atomically) and return its record.

    ``settings`` (training settings, dataset attributes …) is stored under ``"training"`` in
    settings.json beside the model class, its hyper-parameters, ``features``, the sequence length and
    ``dataset_hash``. ``make_default`` also points ``defaults.json`` at this version.
    """
    import joblib

    r = _root(root)
    (r / name).mkdir(parents=True, exist_ok=True)
    remove_stale_temps(r / name, pattern=_TEMP_DIR_RE, dirs=True)  # folders of saves that were killed
    cls = type(estimator)
    info: dict[str, Any] = {
        "name": name,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "params": estimator.get_params(),
        "features": list(features) if features is not None else None,
        "seq_len": int(getattr(estimator, "seq_len_", 0)) or None,
        "n_features": int(getattr(estimator, "n_features_in_", 0)) or None,
        "dataset_hash": dataset_hash,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "format": "torch" if _is_torch(estimator) else "joblib",
        "library_versions": _library_versions(),
        "training": dict(settings or {}),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=r / name))
    try:
        if _is_torch(estimator):
            import torch

            state_dict = {k: v.detach().cpu() for k, v in estimator.module_.state_dict().items()}
            with atomic_path(tmp / "weights.pt") as p:
                torch.save(state_dict, p)
            with atomic_path(tmp / "state.joblib") as p:
                joblib.dump(estimator.fitted_state(), p)
        else:
            with atomic_path(tmp / "estimator.joblib") as p:
                joblib.dump(estimator, p, compress=3)  # forests: 15 MB → a few MB
        write_text_atomic(tmp / "metrics.json", _dumps(dict(metrics or {})))
        write_text_atomic(tmp / "decision.json", _dumps(rule.to_dict() if rule is not None else {}))
        for _ in range(100):
            ver = version or _next_version(r, name)
            info["version"] = ver
            write_text_atomic(tmp / "settings.json", _dumps(info))
            target = r / name / ver
            if target.exists():
                if version is not None:
                    raise FileExistsError(f"model {name!r} version {version!r} already exists at {target}")
                continue
            try:
                os.rename(tmp, target)
                break
            except OSError:
                if version is not None:
                    raise
                continue
        else:  # pragma: no cover - pathological contention
            raise RuntimeError(f"could not find a free version folder for {name!r}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(r / name)
    if make_default:
        set_default(name, ver, root=r)
    return ModelRecord(name, ver, target, _read_json(target / "settings.json"), dict(metrics or {}), rule)


# ------------------------------------------------------------------------------------------------- load


def _import_class(path: str) -> type:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def load_model(
    name: str, version: str = "latest", *, root: str | os.PathLike[str] | None = None
) -> LoadedModel:
    """Load ``<root>/<name>/<version>`` (``"latest"`` by default): the fitted estimator (scaler inside),
    its decision rule, settings and metrics."""
    import joblib

    r = _root(root)
    ver = resolve_version(name, version, r)
    folder = r / name / ver
    info = _read_json(folder / "settings.json")
    if info.get("format") == "torch":
        import torch

        cls = _import_class(info["class"])
        # scored wherever it is loaded: a model trained on CUDA loads on a CPU-only machine
        estimator = cls(**{**info["params"], "device": "auto"})
        state_dict = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
        estimator.restore(joblib.load(folder / "state.joblib"), state_dict)
    else:
        estimator = joblib.load(folder / "estimator.joblib")
    decision = _read_json(folder / "decision.json")
    rule = DecisionRule.from_dict(decision) if decision else None
    return LoadedModel(name, ver, folder, estimator, rule, info, _read_json(folder / "metrics.json"))


def model_record(
    name: str, version: str = "latest", *, root: str | os.PathLike[str] | None = None
) -> ModelRecord:
    """The record of ``<root>/<name>/<version>`` (its JSON files only: no weights, no PyTorch)."""
    r = _root(root)
    return _load_record(r, name, resolve_version(name, version, r))


def _load_record(root: Path, name: str, version: str) -> ModelRecord:
    folder = root / name / version
    decision = _read_json(folder / "decision.json")
    return ModelRecord(
        name,
        version,
        folder,
        _read_json(folder / "settings.json"),
        _read_json(folder / "metrics.json"),
        DecisionRule.from_dict(decision) if decision else None,
    )


def _metric(metrics: Mapping[str, Any], split: str, level: str, name: str = "mcc") -> float:
    try:
        return float(metrics[split][level][name])
    except (KeyError, TypeError, ValueError):
        return float("nan")


def list_models(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per saved model version: name, version, created, default, dataset hash, validation and
    test MCC/F1 (sample and event level), path. Reads JSON only (no weights, no PyTorch)."""
    r = _root(root)
    defaults = default_models(r)
    rows = []
    if r.is_dir():
        for folder in sorted(p for p in r.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for ver in _sorted_versions(r, folder.name):
                rec = _load_record(r, folder.name, ver)
                rows.append(
                    {
                        "name": rec.name,
                        "version": rec.version,
                        "created": rec.created,
                        "default": defaults.get(rec.name) == rec.version,
                        "dataset_hash": rec.dataset_hash,
                        "validation_event_mcc": _metric(rec.metrics, "validation", "event"),
                        "test_sample_mcc": _metric(rec.metrics, "test", "sample"),
                        "test_sample_f1": _metric(rec.metrics, "test", "sample", "f1"),
                        "test_event_mcc": _metric(rec.metrics, "test", "event"),
                        "test_event_f1": _metric(rec.metrics, "test", "event", "f1"),
                        "path": str(rec.path),
                    }
                )
    cols = [
        "name",
        "version",
        "created",
        "default",
        "dataset_hash",
        "validation_event_mcc",
        "test_sample_mcc",
        "test_sample_f1",
        "test_event_mcc",
        "test_event_f1",
        "path",
    ]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------------------------- defaults


def default_models(root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """``{name: version}`` of the models the dashboard uses (``defaults.json``; empty when absent)."""
    return {str(k): str(v) for k, v in _read_json(_root(root) / DEFAULTS_NAME).items()}


def set_default(name: str, version: str = "latest", *, root: str | os.PathLike[str] | None = None) -> str:
    """Make ``name``/``version`` a default model (atomically rewrites ``defaults.json``); returns the
    resolved version."""
    r = _root(root)
    ver = resolve_version(name, version, r)
    defaults = default_models(r)
    defaults[name] = ver
    write_text_atomic(r / DEFAULTS_NAME, _dumps(dict(sorted(defaults.items()))))
    return ver


def load_default_models(root: str | os.PathLike[str] | None = None) -> dict[str, LoadedModel]:
    """Every default model, loaded (SeqNetQuake first, then the others in name order)."""
    defaults = default_models(root)
    order = sorted(defaults, key=lambda n: (n != "seqnetquake", n))
    return {n: load_model(n, defaults[n], root=root) for n in order}
