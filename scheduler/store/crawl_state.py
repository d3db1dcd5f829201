"""The scheduler's crawl bookkeeping: each source's state between runs, and the crawl runs.

Only the service reads these (cadence after a restart, source health, ``newswatch status``); the
crawler never sees them. A crawl's counts arrive as the crawler's own
:class:`crawler.crawl_summary.CrawlSummary`, so one record type serves the crawl and the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, RowMapping

from crawler.crawl_summary import CrawlSummary
from scheduler.store.engine import Database
from scheduler.store.records import SourceState
from scheduler.store.schema import crawl_runs, sources


class CrawlStateTables(Database):
    """Source states and crawl runs."""

    def get_source_state(self, name: str) -> SourceState | None:
        """The crawl state of source ``name``, or None before its first run."""
        with self._tx("get_source_state") as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).first()
        return _source_state(row._mapping) if row is not None else None

    def save_source_state(self, state: SourceState) -> None:
        """Insert or replace the crawl state of ``state.name``."""
        values = _source_values(state)
        with self._tx("save_source_state", write=True) as conn:
            stmt = self._insert(sources).values(**values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"],
                    set_={k: v for k, v in values.items() if k != "name"},
                )
            )

    def list_source_states(self) -> list[SourceState]:
        """Crawl state of every source that has run, by name."""
        with self._tx("list_source_states") as conn:
            rows = conn.execute(select(sources).order_by(sources.c.name)).all()
        return [_source_state(row._mapping) for row in rows]

    def record_run(self, run: CrawlSummary) -> int:
        """Store the counts of one crawl (those the ``crawl_runs`` table keeps); returns its id."""
        with self._tx("record_run", write=True) as conn:
            return _insert_run(conn, run)

    def record_crawl(self, run: CrawlSummary) -> SourceState:
        """Store one crawl and the source state it leads to; return the state."""
        return self.record_crawls([run])[0]

    def record_crawls(self, runs: Sequence[CrawlSummary]) -> list[SourceState]:
        """Store crawls and the source states they lead to, in one transaction; return the states.

        The service records every poll of every source, most of them 304s, and the sources of a
        batch finish together: one write transaction for all of them, instead of a write, a read
        and another write per source.
        """
        if not runs:
            return []
        names = list(dict.fromkeys(run.source for run in runs))
        with self._tx("record_crawls", write=True) as conn:
            conn.execute(crawl_runs.insert(), [_run_values(run) for run in runs])
            rows = conn.execute(select(sources).where(sources.c.name.in_(names))).all()
            current = {row.name: _source_state(row._mapping) for row in rows}
            states = []
            for run in runs:  # in order: a source twice in one call sees its first run
                state = current.setdefault(run.source, SourceState(run.source))
                update_source_state(state, run)
                states.append(replace(state))
            stmt = self._insert(sources)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"],
                    set_={c.name: stmt.excluded[c.name] for c in sources.c if c.name != "name"},
                ),
                [_source_values(current[name]) for name in names],
            )
        return states

    def recent_runs(self, source: str, limit: int = 10) -> list[CrawlSummary]:
        """The last ``limit`` crawls of ``source``, newest first (counts not kept are 0)."""
        with self._tx("recent_runs") as conn:
            rows = conn.execute(
                select(crawl_runs)
                .where(crawl_runs.c.source == source)
                .order_by(crawl_runs.c.started.desc(), crawl_runs.c.id.desc())
                .limit(limit)
            ).all()
        return [
            CrawlSummary(
                source=row.source,
                started=row.started,
                finished=row.finished,
                requests=row.requests,
                not_modified=row.not_modified,
                new_articles=row.new_articles,
                duplicates=row.duplicates,
                errors=row.errors,
                dropped={str(k): int(v) for k, v in (row.dropped or {}).items()},
                error=row.error,
            )
            for row in rows
        ]


def _run_values(run: CrawlSummary) -> dict[str, Any]:
    return {
        "source": run.source,
        "started": run.started,
        "finished": run.finished,
        "requests": run.requests,
        "not_modified": run.not_modified,
        "new_articles": run.new_articles,
        "duplicates": run.duplicates,
        "errors": run.errors,
        "dropped": dict(run.dropped),
        "error": run.error,
    }


def _insert_run(conn: Connection, run: CrawlSummary) -> int:
    insert = crawl_runs.insert().values(**_run_values(run)).returning(crawl_runs.c.id)
    return int(conn.execute(insert).scalar_one())


def _source_values(state: SourceState) -> dict[str, Any]:
    return {
        "name": state.name,
        "last_run": state.last_run,
        "last_success": state.last_success,
        "last_error": state.last_error,
        "consecutive_failures": state.consecutive_failures,
        "items_seen": state.items_seen,
        "new_articles_total": state.new_articles_total,
        "last_new_article": state.last_new_article,
        "status": state.status,
        "next_due": state.next_due,
        "last_items_at": state.last_items_at,
    }


def _source_state(row: RowMapping) -> SourceState:
    return SourceState(
        name=row["name"],
        last_run=row["last_run"],
        last_success=row["last_success"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        items_seen=row["items_seen"],
        new_articles_total=row["new_articles_total"],
        last_new_article=row["last_new_article"],
        status=row["status"],
        next_due=row["next_due"],
        last_items_at=row["last_items_at"],
    )


def update_source_state(state: SourceState, summary: CrawlSummary) -> SourceState:
    """``state`` after the crawl ``summary`` (updated in place and returned)."""
    state.last_run = summary.finished
    if summary.interrupted:
        pass  # Ctrl-C or a shutdown says nothing about the source's health
    elif summary.ok:
        state.last_success = summary.finished
        state.consecutive_failures = 0
        state.last_error = None
        if summary.not_modified == 0:
            state.items_seen = summary.entries
            if summary.entries:
                state.last_items_at = summary.finished
    else:
        state.consecutive_failures += 1
        state.last_error = summary.error
    if summary.new_articles:
        state.new_articles_total += summary.new_articles
        state.last_new_article = summary.finished
    return state
