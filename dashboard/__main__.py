"""``python -m dashboard [--host H] [--port P] [--registry DIR]``: serve the workbench (127.0.0.1:8050)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.config import default_settings
from core.models.registry import DEFAULTS_NAME, scoring_registry
from dashboard.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument(
        "--host",
        default=os.environ.get("SEQNETQUAKE_HOST", "127.0.0.1"),
        help="interface to bind (default 127.0.0.1, env SEQNETQUAKE_HOST)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SEQNETQUAKE_PORT", "8050")),
        help="port (default 8050, env SEQNETQUAKE_PORT)",
    )
    parser.add_argument(
        "--registry",
        type=Path,
        default=None,
        help="model registry whose default models score events (env SEQNETQUAKE_REGISTRY; default: the "
        "protocol-scale run's reports/protocol/registry when present, else the demo's)",
    )
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    args = parser.parse_args(argv)
    settings = default_settings()
    if args.registry is not None:
        if not (args.registry / DEFAULTS_NAME).is_file():
            parser.error(f"--registry {args.registry}: no {DEFAULTS_NAME} there (not a model registry)")
        settings = settings.with_(registry_dir=args.registry.resolve())
    app = create_app(settings)
    print(f"Models scoring events: {scoring_registry(settings)}", flush=True)
    print(f"SeqNetQuake workbench on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
