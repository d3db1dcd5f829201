"""The guarded page fetcher of ``newswatch extract URL`` / ``match URL`` against the hostile site:
loopback refused unless allowed, every redirect hop checked (by its text and by the address the
connection would use), a huge body cut at the limit, a gzip bomb refused in bounded memory."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

import crawler.page_fetch as page_fetch
from crawler.page_fetch import FetchError, PageFetcher, RefusedAddress
from scheduler.cli import main
from tests.servers.hostile import HostileSite

MIB = 1 << 20


def fetcher(**kw: object) -> PageFetcher:
    options: dict[str, object] = {"user_agent": "t", "timeout": 10.0, "max_size": 10 * MIB}
    return PageFetcher(**(options | kw))  # type: ignore[arg-type]


def test_loopback_is_refused_unless_allowed(hostile: HostileSite) -> None:
    hostile.reset()
    with fetcher() as f, pytest.raises(RefusedAddress, match="loopback address"):
        f.fetch(hostile.url("page/story.html"))
    assert hostile.paths() == []
    with fetcher(allow_private=True) as f:
        page = f.fetch(hostile.url("page/story.html"))
    assert b"A plain story" in page.body and page.charset == "utf-8"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # metadata: refused even when allowed
        "http://metadata.google.internal/computeMetadata/v1/",
        "file:///etc/passwd",
        "ftp://example.org/x",
    ],
)
def test_redirects_are_checked_even_when_private_is_allowed(
    hostile: HostileSite, target: str
) -> None:
    with fetcher(allow_private=True) as f, pytest.raises(RefusedAddress, match="refused"):
        f.fetch(hostile.url(f"redirect?to={target}"))


@pytest.fixture(scope="module")
def public_site() -> Iterator[HostileSite]:
    """The hostile site again on 127.0.0.2, which the tests below treat as a public address."""
    site = HostileSite("127.0.0.2").start()
    yield site
    site.close()


@pytest.fixture
def as_public(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # No test reaches the internet: 127.0.0.2 plays a public news site, under the name
    # news.example.test; every other loopback address stays refused.
    real = page_fetch.refusal_for_address

    def refusal(address: str, *, allow_private: bool) -> str | None:
        return None if address == "127.0.0.2" else real(address, allow_private=allow_private)

    monkeypatch.setattr(page_fetch, "refusal_for_address", refusal)
    return {"news.example.test": "127.0.0.2", "rebound.example.test": "127.0.0.1"}


def test_a_redirect_to_loopback_is_refused(
    hostile: HostileSite, public_site: HostileSite, as_public: dict[str, str]
) -> None:
    hosts = as_public
    port = public_site.base.rsplit(":", 1)[1]
    with fetcher(resolve=lambda host, _port: [hosts[host]]) as f:
        page = f.fetch(f"http://news.example.test:{port}/page/story.html")
        assert b"A plain story" in page.body  # the "public" site itself is fine
        hostile.reset()
        inner = hostile.url("page/secret.html")
        with pytest.raises(RefusedAddress, match=r"loopback address \(127\.0\.0\.1\)"):
            f.fetch(f"http://news.example.test:{port}/redirect?to={inner}")
        # A name whose address is loopback: refused at connect time, before any byte is sent.
        inner = inner.replace("127.0.0.1", "rebound.example.test")
        with pytest.raises(RefusedAddress, match=r"resolves to 127\.0\.0\.1"):
            f.fetch(f"http://news.example.test:{port}/redirect?to={inner}")
    assert hostile.paths() == []


def test_a_huge_body_is_cut_at_the_limit(hostile: HostileSite) -> None:
    with fetcher(allow_private=True, max_size=MIB) as f:
        with pytest.raises(FetchError, match="larger than the 1048576-byte limit"):
            f.fetch(hostile.url("huge.html?mb=64"))
        # Under the limit the same route is read whole.
        page = f.fetch(hostile.url("huge.html?mb=0"))
    assert page.body == b"<html><body>"


def test_a_gzip_bomb_is_refused_in_bounded_memory(hostile: HostileSite) -> None:
    # 256 MiB of HTML in about 1 MB of gzip on the wire, Content-Encoding: gzip.
    tracemalloc.start()
    try:
        with fetcher(allow_private=True) as f, pytest.raises(FetchError, match="larger than"):
            f.fetch(hostile.url("bomb.html?mb=256"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * MIB  # the 10 MiB limit, plus one read's worth of slack


def test_a_slow_page_hits_the_whole_fetch_deadline(hostile: HostileSite) -> None:
    # One byte every half second never trips a read timeout; the fetch's deadline must.
    with (
        fetcher(allow_private=True, timeout=0.4) as f,
        pytest.raises(FetchError, match=r"no complete answer within 0\.4s"),
    ):
        f.fetch(hostile.url("trickle/slow.html"))


def test_commands_print_one_line_and_no_request_log(
    hostile: HostileSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    code = main(["-v", "extract", hostile.url("page/story.html")])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().endswith(
        "refused " + hostile.url("page/story.html") + ": loopback address (127.0.0.1)"
    )
    config = tmp_path / "newswatch.toml"
    config.write_text("[crawl]\nallow_private = true\n", encoding="utf-8")
    code = main(["-v", "extract", hostile.url("bomb.html?mb=256"), hostile.url("page/x.html")])
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["title"] == "A plain story"
    errors = [line for line in err.splitlines() if "newswatch extract:" in line]
    assert len(errors) == 1 and "larger than the 10485760-byte limit" in errors[0]
    assert "Traceback" not in err and "HTTP Request" not in err and "httpcore" not in err
    code = main(["match", hostile.url("redirect?to=http://169.254.169.254/")])
    _, err = capsys.readouterr()
    assert code == 1 and "cloud metadata address" in err and "Traceback" not in err
