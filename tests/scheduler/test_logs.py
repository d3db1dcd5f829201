"""Log format: plain lines by default, one JSON object per line with ``--log-json``."""

from __future__ import annotations

import json
import logging

import pytest

from scheduler.logs import setup_logging


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(json_format=True)
        logging.getLogger("newswatch").warning("source %s is failing", "wire")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["level"] == "WARNING"
        assert record["logger"] == "newswatch"
        assert record["message"] == "source wire is failing"
        setup_logging()
        logging.getLogger("newswatch").info("plain")
        assert capsys.readouterr().err.rstrip().endswith("INFO newswatch: plain")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
