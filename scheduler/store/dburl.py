"""Database URLs without SQLAlchemy: parsing and the password-hidden form, for the read-only path.

SQLAlchemy's ``make_url`` is what the store uses; importing it costs more than ``newswatch status``
may take. :func:`parse_db_url` reads the same ``driver://user:password@host:port/database?query``
shape into a :class:`DbUrl` and :meth:`DbUrl.redacted` renders it as SQLAlchemy's
``render_as_string(hide_password=True)`` does (query keys sorted, user and database quoted), so the
two paths print the same line; ``tests/scheduler/test_readonly.py`` holds them to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, unquote

from scheduler.errors import StoreError

# driver://[user[:password]@][host | [v6host]][:port][/database][?query]
_URL = re.compile(
    r"""
    (?P<driver>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)


@dataclass(frozen=True, slots=True)
class DbUrl:
    """The parts of a database URL (user, password and database percent-decoded)."""

    driver: str  # as written: ``sqlite``, ``postgresql+psycopg``, ``postgres``, ...
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql`` (``postgres`` included) or whatever else was written."""
        name = self.driver.split("+", 1)[0]
        return "postgresql" if name == "postgres" else name

    def redacted(self) -> str:
        """The URL with its password shown as ``***``, as the SQLAlchemy store shows it."""
        out = self.driver + "://"
        if self.username is not None:
            out += quote(self.username, safe=" +")
            if self.password is not None:
                out += ":***"
            out += "@"
        if self.host is not None:
            out += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            out += f":{self.port}"
        if self.database is not None:
            out += "/" + quote(self.database, safe=" +/")
        if self.query:
            # Sorted by key, a repeated key's values in the order given.
            pairs = sorted(self.query, key=lambda kv: kv[0])
            out += "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
        return out


def parse_db_url(url: str) -> DbUrl:
    """``url``'s parts; a string that is no URL at all is a :class:`StoreError`."""
    m = _URL.match(url)
    if m is None:
        raise StoreError(
            "invalid database URL: not of the form driver://user:password@host/database"
        )
    parts = m.groupdict()
    port = parts["port"]
    try:
        port_number = int(port) if port else None
    except ValueError:
        raise StoreError(f"invalid database URL: bad port {port!r}") from None
    return DbUrl(
        driver=parts["driver"],
        username=unquote(parts["username"]) if parts["username"] is not None else None,
        password=unquote(parts["password"]) if parts["password"] is not None else None,
        host=parts["ipv4host"] or parts["ipv6host"],
        port=port_number,
        database=unquote(parts["database"]) if parts["database"] is not None else None,
        query=tuple(parse_qsl(parts["query"])) if parts["query"] is not None else (),
    )


def redact_db_url(url: str) -> str:
    """``url`` with its password hidden, for summaries (unparsable URLs as they are)."""
    try:
        return parse_db_url(url).redacted()
    except StoreError:
        return url
