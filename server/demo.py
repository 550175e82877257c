"""The demo ``make run`` prints links to: an offer created once per data dir (fresh links each
time), and a simulated history of 1,000 offers in two variants so the outcome report
(``/reports``) has something to show."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, timedelta

import msgspec

from server.app import default_store
from server.config import Config
from server.negotiation.creation import (
    CreatedOffer,
    CreateOffer,
    PartyInput,
    create_offer,
    mint_for,
    participant_link,
)
from server.offers.terms import TermsInput
from server.reports.simulate import AlreadySimulated, SimClock, Simulated, simulate
from server.store.base import NewMessage, Store
from server.store.open import store_from_url

_DEMO_FILE = "demo.json"
#: The demo's experiment when OFFER_ROOM_VARIANTS is unset: the baseline without explanations
#: and middle-ground suggestions, against everything on.
DEMO_VARIANTS = ('{"control": {"weight": 50, "off": ["explanations", "middle_ground"]}, '
                 '"assist": {"weight": 50}}')
#: The simulated history the demo's report shows (server/reports/simulate.py).
DEMO_SIMULATED_OFFERS = 1000
DEMO_SEED = 7


def _demo_body(today: date, variant: str | None) -> CreateOffer:
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
        # The demo shows every feature, whatever the experiment's split.
        variant=variant,
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
        await _simulated_history(config)
        if offer is None or offer.expires_at <= datetime.now(UTC):
            created: CreatedOffer = await create_offer(
                store, config, _demo_body(datetime.now(UTC).date(), _all_on(config))
            )
            await _start_the_conversation(store, created.id)
            marker.write_text(json.dumps({"id": created.id}))
            return created.links
        links = {}
        for role, party in (("client", offer.client), ("freelancer", offer.freelancer)):
            token = mint_for(config, offer, role, party)  # type: ignore[arg-type]
            links[role] = participant_link(config, offer.id, token)
        return links
    finally:
        await store.close()


def _all_on(config: Config) -> str | None:
    """The last configured variant with every feature on, if there is one."""
    full = [v.name for v in config.variants.variants if all(msgspec.structs.astuple(v.features))]
    return full[-1] if full else None


async def run_simulation(config: Config, offers: int, seed: int) -> Simulated:
    """Write a simulated history into the node's store (``offer-room simulate``)."""
    clock = SimClock()
    store = store_from_url(config.database_url, config.data_dir, clock)
    await store.open()
    try:
        return await simulate(store, clock, config.variants, offers=offers, seed=seed,
                              now=datetime.now(UTC))
    finally:
        await store.close()


async def _simulated_history(config: Config) -> None:
    if len(config.variants.variants) < 2:
        return  # one variant: nothing to compare; the report shows the real offers alone
    with contextlib.suppress(AlreadySimulated):  # simulated on an earlier run
        done = await run_simulation(config, DEMO_SIMULATED_OFFERS, DEMO_SEED)
        print(f"  Seeded the outcome report with {done.offers:,} simulated offers (once per "
              "data dir).", flush=True)


async def _start_the_conversation(store: Store, offer_id: str) -> None:
    """A thread as the parties would have begun it: a welcome, and an open question on a field."""
    for message in (
        NewMessage(id="m-demo-welcome", kind="message", author="client-ada",
                   author_role="client",
                   body="Hi Linus, thanks for taking a look. The terms are open: change what "
                        "doesn't work for you and propose it."),
        NewMessage(id="m-demo-question", kind="question", author="freelancer-linus",
                   author_role="freelancer", about="weekly_limit",
                   body="Does the 20-hour weekly limit include the Friday demos and review "
                        "meetings?"),
    ):
        await store.add_message(offer_id, message)


def print_links(links: dict[str, str], config: Config) -> None:
    print("\n  Demo offer — open each link in its own browser window:")
    print(f"    client:     {links['client']}")
    print(f"    freelancer: {links['freelancer']}")
    print(f"\n  Outcome report:  {config.base_url()}/reports#key={config.api_key}")
    print(f"  Integrator API key: {config.api_key}\n", flush=True)
