"""The ``offer-room`` command: serve | demo | token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import socket
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import uvicorn
import uvloop

from server.app import create_app, default_store
from server.auth import ROLES, mint
from server.config import Config, ConfigError, load_config
from server.http.front import front_door_class, raise_open_file_limit
from server.http.socket import offer_socket_class
from server.logs import log_config
from server.negotiation.creation import (
    CreatedOffer,
    CreateOffer,
    PartyInput,
    create_offer,
    mint_for,
    participant_link,
)
from server.offers.terms import TermsInput

_DEMO_FILE = "demo.json"


def _demo_body(today: date) -> CreateOffer:
    start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    return CreateOffer(
        terms=TermsInput(
            title="Checkout redesign for an online bike shop",
            contract_type="hourly",
            currency="USD",
            hourly_rate=4500,
            weekly_limit=20,
            manual_time=False,
            start_date=start,
            end_date=start + timedelta(weeks=8),
            description=(
                "Redesign the checkout flow of our React storefront: a one-page checkout, "
                "address autocomplete, saved cards through our existing Stripe account, and "
                "accessibility fixes (WCAG 2.2 AA). Weekly demo on Fridays."
            ),
        ),
        client=PartyInput(id="client-ada", name="Ada Lovelace"),
        freelancer=PartyInput(id="freelancer-linus", name="Linus Torvalds"),
    )


async def ensure_demo(config: Config) -> dict[str, str]:
    """Create the demo offer once per data dir; returns fresh client and freelancer links."""
    store = default_store(config)
    await store.open()
    try:
        marker = config.data_dir / _DEMO_FILE
        offer = None
        if marker.exists():
            offer = await store.get_offer(json.loads(marker.read_text())["id"])
        if offer is None or offer.expires_at <= datetime.now(UTC):
            created: CreatedOffer = await create_offer(
                store, config, _demo_body(datetime.now(UTC).date())
            )
            marker.write_text(json.dumps({"id": created.id}))
            return created.links
        links = {}
        for role, party in (("client", offer.client), ("freelancer", offer.freelancer)):
            token = mint_for(config, offer, role, party)  # type: ignore[arg-type]
            links[role] = participant_link(config, offer.id, token)
        return links
    finally:
        await store.close()


def _print_links(links: dict[str, str], config: Config) -> None:
    print("\n  Demo offer — open each link in its own browser window:")
    print(f"    client:     {links['client']}")
    print(f"    freelancer: {links['freelancer']}")
    print(f"\n  Integrator API key: {config.api_key}\n", flush=True)


async def _serve(config: Config, demo: bool) -> None:
    # Every connection holds a descriptor: take all the process may have before sizing the cap.
    raise_open_file_limit()
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    config = msgspec.structs.replace(config, port=sock.getsockname()[1])
    links = await ensure_demo(config) if demo else None
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=log_config(),
            # uvicorn serves HTTP, behind our bounds on connections, heads and bodies, and hands
            # upgraded sockets to our own WebSocket protocol.
            http=front_door_class(app.state.services),
            ws=offer_socket_class(app.state.services),
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # uvicorn offers no start-up callback; poll its flag (a few ms) so the readiness line that
    # test harnesses wait for is printed only once the socket is really served.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if server.started:
        # Everything allocated so far lives for the whole process: move it out of the cyclic
        # collector's sight, and collect the young generation less often (each room message
        # allocates, and full collections were the long pauses of Python Yjs servers).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        mode = "cluster" if config.redis_url or config.database_url else "single node"
        print(f"offer-room node {config.node_id} ({mode})", flush=True)
        print(f"offer-room listening on {config.base_url()}", flush=True)
        if links:
            _print_links(links, config)
    await task


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="offer-room", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None, help="0 picks a free port")
    serve.add_argument("--data-dir", type=Path, default=None)
    serve.add_argument("--demo", action="store_true", help="create/print the demo offer links")
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
    args = parser.parse_args(argv)
    try:
        _run(args)
    except ConfigError as exc:
        # A setting that cannot work is the operator's to fix: say which, no traceback.
        print(f"offer-room: {exc}", file=sys.stderr)
        sys.exit(2)


def _run(args: argparse.Namespace) -> None:
    if args.command == "serve":
        config = load_config(host=args.host, port=args.port, data_dir=args.data_dir)
        with contextlib.suppress(KeyboardInterrupt):
            # uvloop (installed with uvicorn[standard]) is ~40 % cheaper per message than the
            # default loop; uvicorn only picks it itself when it owns the loop, which we do here.
            uvloop.run(_serve(config, args.demo))
    elif args.command == "demo":
        config = load_config(data_dir=args.data_dir)
        if args.base_url:
            config = msgspec.structs.replace(config, public_url=args.base_url)
        _print_links(asyncio.run(ensure_demo(config)), config)
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

