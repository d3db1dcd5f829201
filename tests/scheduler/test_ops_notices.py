"""Ops notices: which channel gets them, sending never raises, a repeated message is sent once."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from alerts.channels import parse_channel
from scheduler.ops_notices import RepeatFilter, ops_channel, send_ops_notice


def test_the_ops_channel_is_found_by_name() -> None:
    a = parse_channel({"name": "a", "kind": "console"})
    ops = parse_channel({"name": "ops", "kind": "console"})
    assert ops_channel("ops", [a, ops]) is ops
    assert ops_channel("missing", [a, ops]) is None
    assert ops_channel(None, [a, ops]) is None
    assert ops_channel("", [a, ops]) is None


def test_a_repeated_message_is_new_only_once() -> None:
    seen = RepeatFilter()
    assert seen.is_new("bad edit: line 3")
    assert not seen.is_new("bad edit: line 3")
    assert seen.is_new("bad edit: line 4")
    assert seen.last == "bad edit: line 4"
    seen.reset()
    assert seen.last is None
    assert seen.is_new("bad edit: line 4")


async def test_a_notice_is_sent_to_the_channel(tmp_path: Path) -> None:
    out = tmp_path / "ops.jsonl"
    channel = parse_channel({"name": "ops", "kind": "console", "path": str(out)})
    assert await send_ops_notice(channel, "newswatch: source x is failing")
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["channel"] == "ops"
    assert "source x is failing" in json.dumps(line)


async def test_a_notice_that_cannot_be_sent_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    channel = parse_channel({"name": "ops", "kind": "console", "path": str(blocked / "ops.jsonl")})
    with caplog.at_level(logging.ERROR, logger="newswatch"):
        assert not await send_ops_notice(channel, "newswatch: config edit rejected")
    assert "could not notify ops channel ops" in caplog.text
