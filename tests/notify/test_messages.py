"""Messages people want to read: the election in the first line, evidence in its sentence, one format per channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.demo import demo_sources, serve_sample_site
from testbed.settings import make_settings


@pytest.fixture
def alerted(tmp_path: Path, clock, smtp_server, receiver):
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path, sources_file=demo_sources(base, tmp_path), notify_urls=f"{smtp_server.apprise_url()} json://{receiver.base.removeprefix('http://')}/hook"
        )
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    return settings


def test_email_is_html_with_the_evidence_highlighted_in_its_sentence(alerted, smtp_server) -> None:
    """The e-mail names the election first and marks each quote inside the sentence it came from."""
    (message,) = smtp_server.messages
    html = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/html")
    assert "Lithuania, parliamentary election on 2024-10-13, 18 days after publication" in html.split("<h3>")[0]
    assert "and <mark>vote correctly</mark>, and our countries can once again be good neighbours." in html
    plain = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")
    assert "vote correctly" in plain  # the plain-text part, for mail readers without HTML


def test_chat_gets_a_short_markdown_message(alerted, receiver) -> None:
    """The chat message: severity and the vote ahead in bold, the article's headline, the strongest
    evidence in its sentence, one line per rule with its quotes, the link."""
    (post,) = receiver.hits("/hook", "POST")
    message = post.json()["message"]
    first, headline, strongest = message.splitlines()[:3]
    assert first == "**[CRITICAL] Lithuania votes in 18 days (parliamentary, 13 October 2024)**"
    assert headline == "Foreign Minister: it is time for a reset between Belarus and Lithuania"
    assert strongest.startswith("> …") and "**calmly and rationally assess**" in strongest and strongest.endswith("(Appeal to a foreign country's voters to vote \"correctly\" before its election)")
    assert "• `ei02-vote-appeal-foreign` +" in message and "“vote correctly”" in message
    assert len(message) < len(post.json()["title"]) * 30


def test_show_and_preview_render_what_a_channel_receives(alerted, capsys) -> None:
    """`alerts show` prints the stored message; `alerts preview --channel` renders a channel's own format."""
    capsys.readouterr()
    assert main(["alerts", "show", "1"], settings=alerted) == 0
    shown = capsys.readouterr().out
    assert "Matched rules:" in shown and "Deliveries:" in shown and ": sent" in shown

    assert main(["alerts", "preview", "1", "--channel", "email"], settings=alerted) == 0
    assert "<mark>vote correctly</mark>" in capsys.readouterr().out
    assert main(["alerts", "preview", "1", "--channel", "chat"], settings=alerted) == 0
    assert "**[CRITICAL]" in capsys.readouterr().out
    assert main(["alerts", "preview", "1", "--channel", "no-such-tag"], settings=alerted) == 2
    assert main(["alerts", "show", "99"], settings=alerted) == 1
