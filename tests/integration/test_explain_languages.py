"""Every party reads the explanation in their own language, on a real server.

Two sockets on one offer, the client's in German (``?lang=de``) and the freelancer's in English:
each gets the deltas of its own language only, sentence by sentence, joining to its own
``explain_done`` text; ``explain_done.texts`` holds both, so either party can read it "as the
other party sees it". A socket that switches language (``set_language``) gets the explanation
again in the new one, and a reload in a third language gets it too, with every language stored.
Across two nodes, a language only the other node's reader needs is asked for and written.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.test_cluster import Cluster, cluster, database  # noqa: F401 (fixtures)
from tests.support.server import ServerProcess
from tests.support.yclient import YClient


async def _socket(server: ServerProcess, offer: dict[str, Any], role: str, lang: str) -> YClient:
    url = f"{server.ws_base}/{offer['id']}?token={offer['tokens'][role]}&lang={lang}"
    client = YClient(url)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    return client


def _deltas(client: YClient) -> list[dict[str, Any]]:
    return client.messages("explain_delta")


def _lang(message: dict[str, Any]) -> str:
    return str(message.get("lang", "en"))  # the default is left out on the wire


async def _propose(client: YClient, freelancer: YClient) -> str:
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 5200
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 5200)
    await freelancer.send_app({"type": "propose", "id": "p1", "base_version": 1,
                               "note": "Closer to my usual rate."})  # fmt: skip
    await freelancer.wait_for(lambda: any(m.get("ref") == "p1" for m in freelancer.app))
    [ack] = [m for m in freelancer.app if m.get("ref") == "p1"]
    assert ack["type"] == "ack", ack
    return str(ack["proposal_id"])


async def test_each_party_reads_their_own_language(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await _socket(server, offer, "client", "de")
    freelancer = await _socket(server, offer, "freelancer", "en")
    proposal_id = await _propose(client, freelancer)
    await client.wait_for(lambda: bool(client.messages("explain_done")), 10)
    await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")), 10)

    [de_done], [en_done] = client.messages("explain_done"), freelancer.messages("explain_done")
    assert (_lang(de_done), _lang(en_done)) == ("de", "en")
    # The same facts, each in its reader's formats.
    assert "45,00\u00a0$" in de_done["text"] and "52,00\u00a0$" in de_done["text"]
    assert "$45.00" in en_done["text"] and "$52.00" in en_done["text"]
    assert "Stundensatz" in de_done["text"] and "hourly rate" in en_done["text"]
    # Streamed sentence by sentence, each socket in its own language only.
    for socket, done in ((client, de_done), (freelancer, en_done)):
        deltas = _deltas(socket)
        assert len(deltas) > 2
        assert {_lang(d) for d in deltas} == {_lang(done)}
        assert "".join(d["text"] for d in deltas).strip() == done["text"]
    # Either party can read it as the other one sees it.
    assert de_done["texts"] == en_done["texts"] == {"de": de_done["text"], "en": en_done["text"]}
    # The shared document keeps the English text.
    root = client.odoc.proposal.to_py()
    assert root is not None and root["explanation"]["text"] == en_done["text"]

    # The client switches to Spanish: the explanation again, written now, in Spanish.
    await client.send_app({"type": "set_language", "lang": "es-ES"})
    await client.wait_for(lambda: len(client.messages("explain_done")) == 2, 10)
    es_done = client.messages("explain_done")[1]
    assert _lang(es_done) == "es" and "45,00\u00a0US$" in es_done["text"]
    assert set(es_done["texts"]) == {"en", "de", "es"}

    # A reload in Spanish gets the stored text, every language kept.
    await client.close()
    again = await _socket(server, offer, "client", "es")
    await again.wait_for(lambda: bool(again.messages("explain_done")), 10)
    [reloaded] = again.messages("explain_done")
    assert (reloaded["text"], reloaded["texts"]) == (es_done["text"], es_done["texts"])
    assert _deltas(again) == []  # nothing is written twice

    # Stored once, with every language it was delivered in (REST shows the integrator all).
    await freelancer.close()
    with server.api() as api:
        proposals = api.get(f"/api/offers/{offer['id']}/proposals").json()
    [stored] = [p for p in proposals if p["id"] == proposal_id]
    assert stored["explanation"]["text"] == en_done["text"]
    assert stored["explanation"]["texts"] == es_done["texts"]
    await again.close()


async def test_across_nodes_a_language_only_the_other_node_reads(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
) -> None:
    # The freelancer proposes on node B, where nobody reads German; the client reads German on
    # node A. A streams the German offline text to the client itself (the same text from the
    # same facts on every node), adds German to what is stored, and B's reader is sent the
    # explanation again with German in ``texts``.
    node_a, node_b = cluster.nodes
    offer = node_a.create_offer()
    client = await _socket(node_a, offer, "client", "de")
    freelancer = await _socket(node_b, offer, "freelancer", "en")
    await _propose(client, freelancer)
    await client.wait_for(lambda: bool(client.messages("explain_done")), 15)
    await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")), 15)
    [de_done] = client.messages("explain_done")
    en_done = freelancer.messages("explain_done")[0]
    assert (_lang(de_done), _lang(en_done)) == ("de", "en")
    assert "Stundensatz" in de_done["text"] and "hourly rate" in en_done["text"]
    deltas = _deltas(client)
    assert len(deltas) > 2 and {_lang(d) for d in deltas} == {"de"}
    assert "".join(d["text"] for d in deltas).strip() == de_done["text"]
    both = {"de": de_done["text"], "en": en_done["text"]}
    assert de_done["texts"] == both
    await freelancer.wait_for(
        lambda: freelancer.messages("explain_done")[-1]["texts"] == both, 10)
    assert freelancer.messages("explain_done")[-1]["text"] == en_done["text"]
    await client.close()
    await freelancer.close()
