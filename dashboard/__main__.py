"""``python -m dashboard [--host H] [--port P]``: serve the workbench (127.0.0.1:8050 by default)."""

from __future__ import annotations

import argparse
import os

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
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    args = parser.parse_args(argv)
    app = create_app()
    print(f"SeqNetQuake workbench on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
