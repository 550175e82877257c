"""The ``offer-room`` command: serve | demo | token | simulate. Parses arguments; the work is
elsewhere."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

import msgspec
import uvloop

from server.auth import ROLES, mint
from server.config import ConfigError, load_config
from server.demo import DEMO_VARIANTS, ensure_demo, print_links, run_simulation
from server.node import serve, serve_worker, serve_workers
from server.reports.simulate import AlreadySimulated


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="offer-room", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None, help="0 picks a free port")
    serve.add_argument("--data-dir", type=Path, default=None)
    serve.add_argument("--demo", action="store_true", help="create/print the demo offer links")
    serve.add_argument("--workers", type=int, default=None,
                       help="processes serving the port (default: OFFER_ROOM_WORKERS, else the "
                            "machine's cores); 1 serves from this process")
    # Set by the supervisor for the workers it starts (server/workers/link.py), not by people.
    serve.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--worker-fds", default=None, help=argparse.SUPPRESS)
    demo = sub.add_parser("demo", help="create the demo offer and print its links")
    demo.add_argument("--data-dir", type=Path, default=None)
    demo.add_argument("--base-url", default=None, help="the server's public URL")
    token = sub.add_parser("token", help="mint a participant token")
    token.add_argument("--offer", required=True)
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--user", required=True)
    token.add_argument("--name", required=True)
    token.add_argument("--ttl", type=int, default=None, help="seconds (default: 30 days)")
    token.add_argument("--data-dir", type=Path, default=None)
    simulate = sub.add_parser(
        "simulate", help="write simulated offers with known effects per variant (OFFER_ROOM_"
        "VARIANTS; the demo's two when unset) into the store, for the outcome report")
    simulate.add_argument("--data-dir", type=Path, default=None)
    simulate.add_argument("--offers", type=int, default=1000)
    simulate.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        _run(args)
    except ConfigError as exc:
        # A setting that cannot work is the operator's to fix: say which, no traceback.
        print(f"offer-room: {exc}", file=sys.stderr)
        sys.exit(2)


def _run(args: argparse.Namespace) -> None:
    if args.command == "simulate" or (args.command == "serve" and args.demo):
        # The demo's experiment unless one is configured; set in the environment so the
        # workers this process starts read the same.
        os.environ.setdefault("OFFER_ROOM_VARIANTS", DEMO_VARIANTS)
    if args.command == "serve":
        config = load_config(host=args.host, port=args.port, data_dir=args.data_dir)
        if args.workers is not None:
            if args.workers < 1:
                raise ConfigError("--workers must be at least 1")
            config = msgspec.structs.replace(config, workers=args.workers)
        with contextlib.suppress(KeyboardInterrupt):
            # uvloop (installed with uvicorn[standard]) is ~40 % cheaper per message than the
            # default loop; uvicorn only picks it itself when it owns the loop, which we do here.
            if args.worker_index is not None:
                fds = [int(fd) for fd in args.worker_fds.split(",")]
                uvloop.run(serve_worker(config, args.worker_index, fds))
            elif config.workers > 1:
                sys.exit(uvloop.run(serve_workers(config, demo=args.demo)))
            else:
                uvloop.run(serve(config, demo=args.demo))
    elif args.command == "simulate":
        if not 1 <= args.offers <= 100_000:
            raise ConfigError("--offers must be 1 to 100000")
        config = load_config(data_dir=args.data_dir)
        try:
            done = asyncio.run(run_simulation(config, args.offers, args.seed))
        except AlreadySimulated as exc:
            raise ConfigError(f"{exc}; pick another --seed") from None
        arms = ", ".join(f"{name}: {n}" for name, n in done.by_variant.items())
        print(f"simulated {done.offers} offers created {done.start:%Y-%m-%d} to "
              f"{done.end:%Y-%m-%d} ({arms})")
    elif args.command == "demo":
        config = load_config(data_dir=args.data_dir)
        if args.base_url:
            config = msgspec.structs.replace(config, public_url=args.base_url)
        print_links(asyncio.run(ensure_demo(config)), config)
    else:
        config = load_config(data_dir=args.data_dir)
        ttl = args.ttl or config.token_ttl_seconds
        if not 0 < ttl <= config.token_max_ttl_seconds:
            # Every node refuses a longer-lived token: minting one would hand out a dead link.
            raise ConfigError(f"--ttl must be between 1 and OFFER_ROOM_TOKEN_MAX_TTL_SECONDS "
                              f"({config.token_max_ttl_seconds})")
        print(mint(config.secret, offer=args.offer, user=args.user, name=args.name,
                   role=args.role, ttl=ttl))


if __name__ == "__main__":
    main()
    sys.exit(0)

