"""SmtpMailer against real SMTP servers on 127.0.0.1: aiosmtpd (accepting, refusing, offering
STARTTLS with a certificate nobody trusts) and a socket that accepts and never answers."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server.notify.addresses import parse_smtp_url, valid_address
from server.notify.base import MailError
from server.notify.mail import SmtpMailer
from tests.support.server import free_port
from tests.support.smtp import SmtpSink

SENDER = "Offer Room <offers@example.com>"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
async def silent() -> AsyncIterator[str]:
    """A server that accepts connections and never says a word; its smtp:// URL."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"smtp://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_message_arrives_multipart_with_both_parts_and_the_headers(
        sink: SmtpSink) -> None:
    mailer = SmtpMailer(sink.url, SENDER, timeout_s=5)
    await mailer.send("ada@example.org", "Café redesign: 3 new messages from Ada ✓",
                      "3 new messages\n", "<p>3 new messages &amp; more</p>")
    [message] = sink.messages
    assert sink.envelopes == [("offers@example.com", ["ada@example.org"], False)]
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text, html = (part.get_content() for part in message.iter_parts())
    assert text.replace("\r\n", "\n") == "3 new messages\n"
    assert html.strip() == "<p>3 new messages &amp; more</p>"
    assert message["Subject"] == "Café redesign: 3 new messages from Ada ✓"
    assert message["From"] == "Offer Room <offers@example.com>"
    assert message["To"] == "ada@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["Date"] is not None


async def test_a_refusal_is_a_mail_error(sink: SmtpSink) -> None:
    sink.refuse = 1
    with pytest.raises(MailError, match="554"):
        await SmtpMailer(sink.url, SENDER, timeout_s=5).send("ada@example.org", "s", "t", "<p>")
    assert sink.messages == []


async def test_a_server_that_never_answers_fails_within_the_timeout(silent: str) -> None:
    started = time.monotonic()
    with pytest.raises(MailError, match="in time"):
        await SmtpMailer(silent, SENDER, timeout_s=0.5).send("ada@example.org", "s", "t", "<p>")
    assert time.monotonic() - started < 2.0


async def test_the_whole_send_is_bounded_too(silent: str) -> None:
    started = time.monotonic()
    with pytest.raises(MailError):
        await SmtpMailer(silent, SENDER, timeout_s=30, total_s=0.5).send(
            "ada@example.org", "s", "t", "<p>")
    assert time.monotonic() - started < 2.0


async def test_nothing_listening_is_a_mail_error() -> None:
    with pytest.raises(MailError):
        await SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout_s=2).send(
            "ada@example.org", "s", "t", "<p>")


async def test_a_recipient_that_could_add_a_header_is_refused_before_connecting(
        sink: SmtpSink) -> None:
    with pytest.raises(MailError, match="recipient"):
        await SmtpMailer(sink.url, SENDER).send("a@example.org\r\nBcc: b@example.org", "s", "t",
                                                "<p>")
    assert sink.attempts == 0


async def test_the_password_never_shows_in_errors_or_repr(sink: SmtpSink) -> None:
    url = f"smtp://ops:hunter2-secret@127.0.0.1:{sink.port}"
    mailer = SmtpMailer(url, SENDER, timeout_s=5)
    assert "hunter2" not in repr(mailer)
    assert "hunter2" not in repr(parse_smtp_url(url))
    with pytest.raises(MailError) as raised:  # aiosmtpd offers no AUTH in the clear
        await mailer.send("ada@example.org", "s", "t", "<p>")
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ValueError) as refused:
        parse_smtp_url("smtp://ops:hunter2-secret@mail.example.com:99999")
    assert "hunter2" not in str(refused.value)


@pytest.fixture(scope="module")
def untrusted_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate (trusted by nobody), made by the
    openssl command (`make install-test` installs it)."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = Path(d, "cert.pem"), Path(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-days", "1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_smtp_never_upgrades_on_its_own(untrusted_tls: ssl.SSLContext) -> None:
    # The server offers STARTTLS: plain smtp:// stays plain (and so does not fail on its
    # certificate): what the operator wrote is what happens.
    with SmtpSink(tls_context=untrusted_tls) as server:
        await SmtpMailer(server.url, SENDER, timeout_s=5).send("ada@example.org", "s", "t",
                                                                "<p>")
        assert server.envelopes == [("offers@example.com", ["ada@example.org"], False)]


async def test_starttls_checks_the_certificate(untrusted_tls: ssl.SSLContext) -> None:
    with SmtpSink(tls_context=untrusted_tls) as server:
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            await SmtpMailer(server.url + "?starttls=1", SENDER, timeout_s=5).send(
                "ada@example.org", "s", "t", "<p>")
        assert server.messages == []


async def test_starttls_required_is_never_downgraded(sink: SmtpSink) -> None:
    with pytest.raises(MailError, match="STARTTLS"):  # this server does not offer it
        await SmtpMailer(sink.url + "?starttls=1", SENDER, timeout_s=5).send(
            "ada@example.org", "s", "t", "<p>")
    assert sink.messages == []


def test_url_forms() -> None:
    plain = parse_smtp_url("smtp://127.0.0.1:1025")
    assert (plain.host, plain.port, plain.security, plain.username) == (
        "127.0.0.1", 1025, "none", None)
    starttls = parse_smtp_url("smtp://u%40x:p%3Aw@mail.example.com?starttls=1")
    assert (starttls.port, starttls.security, starttls.username, starttls.password) == (
        587, "starttls", "u@x", "p:w")
    tls = parse_smtp_url("smtps://u:p@mail.example.com")
    assert (tls.port, tls.security) == (465, "tls")
    assert parse_smtp_url("smtp://u:p@localhost").security == "none"  # loopback: allowed
    for bad, problem in [
        ("http://mail.example.com", "smtp://"),
        ("smtp://", "no host"),
        ("smtp://u:p@mail.example.com", "unencrypted"),
        ("smtp://mail.example.com?tls=1", "unknown parameter"),
        ("smtp://mail.example.com?starttls=yes", "0 or 1"),
        ("smtps://mail.example.com?starttls=1", "TLS already"),
    ]:
        with pytest.raises(ValueError, match=problem):
            parse_smtp_url(bad)
    with pytest.raises(ValueError, match="sender"):
        SmtpMailer("smtp://127.0.0.1", "nobody")


def test_addresses() -> None:
    assert valid_address("ada.l+offers@mail.example.org")
    assert valid_address("offers@localhost")
    for bad in ["ada", "a b@example.org", "a@example.org\nBcc: b@example.org",
                "Ada <a@example.org>", "a@b", "ü@example.org", "a," * 200 + "@example.org"]:
        assert not valid_address(bad), bad
