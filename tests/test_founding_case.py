"""The acceptance case: the Belarusian foreign minister's article, 18 days before Lithuania votes.

Served from a local site, one `monitor run --once` stores it and delivers one alert to a real
SMTP server and to an apprise json:// receiver; a second run delivers nothing new; a domestic
Lithuanian appeal to vote and a routine Belarusian trade item do not alert.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.cli.main import main
from monitor.demo import demo_sources, serve_sample_site
from monitor.store.engine import make_engine
from monitor.store.repo import Store
from monitor.store.tables import Alert, Item
from testbed.builders import count_rows
from testbed.settings import make_settings

ELECTION_LINE = "Lithuania votes in 18 days (parliamentary, 13 October 2024)"


def test_one_run_delivers_one_alert_to_email_and_chat_and_a_second_run_nothing(tmp_path: Path, smtp_server, receiver, clock, capsys) -> None:
    """The founding case raises exactly one alert, delivered once to each channel, with its evidence."""
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=f"{smtp_server.apprise_url()} json://{receiver.base.removeprefix('http://')}/hook",
        )
        assert main(["run", "--once"], clock=clock, settings=settings) == 0

        assert len(smtp_server.messages) == 1
        mail = smtp_server.messages[0]
        mail_text = mail["Subject"] + "\n" + smtp_server.bodies()[0]
        posts = receiver.hits("/hook", "POST")
        assert len(posts) == 1
        chat = posts[0].json()
        chat_text = chat["title"] + "\n" + chat["message"]
        for text in (mail_text, chat_text):
            assert ELECTION_LINE in text
            assert "vote correctly" in text
            assert "edge of the abyss" in text
            assert "lost about $1 billion" in text
            assert "Ministry of Foreign Affairs (sample)" in text
            assert "published 2024-09-25" in text
            assert f"{base}/by-mfa/reset-with-lithuania.html" in text

        clock.advance(timedelta(hours=1))
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert len(smtp_server.messages) == 1
    assert len(receiver.hits("/hook", "POST")) == 1

    store = Store(make_engine(settings.database_url))
    assert count_rows(store, Item) == 3
    assert count_rows(store, Alert) == 1
    (alert,) = store.alerts()
    assert alert.source_id == "demo-by-mfa"
    assert {state for _, state, _, _ in alert.deliveries} == {"sent"}


def test_domestic_appeal_and_routine_trade_item_do_not_alert(tmp_path: Path, clock) -> None:
    """A Lithuanian official urging Lithuanians to vote, and a Belarusian trade item, are stored without alerts."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path))
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    store = Store(make_engine(settings.database_url))
    alerted = {a.url for a in store.alerts()}
    assert not any("please-vote" in url or "trade-china" in url for url in alerted)
    assert len(alerted) == 1
