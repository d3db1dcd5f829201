"""Reports of five events by three outlets, in our own words, plus earnings news about the same
companies: the fixture of the story tests and of the clustering eval.

Two pairs share a company and a kind on the same day (Meta hires Raman; Meta hires Okafor.
Nvidia buys Lumora; Nvidia buys Tessellate), and one deal is later completed. ``wave`` 1 holds
each event's first report; wave 2 the later ones (the crawl restarts in between). ``story`` is
the label: earnings reports are each their own story and must alert nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from crawler.article_store import ArticleRecord
from crawler.matching import Matcher, load_default_watchlist


@dataclass(frozen=True)
class Report:
    slug: str
    outlet: str
    story: str
    wave: int
    hours: float  # published this long after the first report
    title: str
    body: str
    matches: bool = True  # whether the default watchlist should alert on it


REPORTS: tuple[Report, ...] = (
    # -- Meta hires Priya Raman (three outlets) -------------------------------------------------
    Report(
        "meta-raman-a",
        "wire",
        "meta-raman",
        1,
        0,
        "Meta hires OpenAI researcher Priya Raman to lead its superintelligence lab",
        "Meta has hired Priya Raman, a senior OpenAI researcher who worked on reasoning models, "
        "to lead research at its new superintelligence lab, the company said on Monday. Raman "
        "will report to Alexandr Wang and start next month. Meta has spent heavily this year to "
        "recruit AI talent from rival labs.",
    ),
    Report(
        "meta-raman-b",
        "techdaily",
        "meta-raman",
        2,
        3,
        "OpenAI's Priya Raman joins Meta superintelligence team",
        "Priya Raman, one of OpenAI's senior reasoning researchers, is joining Meta, where she "
        "will run research in the superintelligence group led by Alexandr Wang. Meta confirmed "
        "the hire on Monday. Raman spent four years at OpenAI.",
    ),
    Report(
        "meta-raman-c",
        "bytes",
        "meta-raman",
        2,
        5,
        "Meta poaches Priya Raman from OpenAI in latest AI talent grab",
        "In its latest move in the AI talent war, Meta has hired Priya Raman away from OpenAI. "
        "Raman, who led work on reasoning at OpenAI, will head research at Meta's "
        "superintelligence lab, according to a company spokesperson.",
    ),
    # -- Meta hires Daniel Okafor (same company, same kind, same day) -------------------------
    Report(
        "meta-okafor-a",
        "techdaily",
        "meta-okafor",
        1,
        1,
        "Meta hires Google DeepMind scientist Daniel Okafor",
        "Meta has hired Daniel Okafor, a Google DeepMind scientist known for his work on "
        "multimodal models, to join its superintelligence lab, a Meta spokesperson said on "
        "Monday. Okafor will work on the company's next generation of Llama models.",
    ),
    Report(
        "meta-okafor-b",
        "bytes",
        "meta-okafor",
        2,
        6,
        "DeepMind's Daniel Okafor leaves Google for Meta",
        "Daniel Okafor, a Google DeepMind scientist who worked on multimodal models, has joined "
        "Meta, the company confirmed. Meta hired Okafor to work on future Llama models in its "
        "superintelligence lab.",
    ),
    # -- Nvidia agrees to buy Lumora, later completes it ----------------------------------------
    Report(
        "nvidia-lumora-a",
        "wire",
        "nvidia-lumora",
        1,
        0.5,
        "Nvidia agrees to acquire AI inference startup Lumora for $900 million",
        "Nvidia has agreed to acquire Lumora, an AI inference startup, for $900 million, the "
        "chipmaker said on Monday. Lumora makes software that lets companies run large language "
        "models on fewer GPUs. The deal is expected to close next quarter.",
    ),
    Report(
        "nvidia-lumora-b",
        "bytes",
        "nvidia-lumora",
        2,
        4,
        "Nvidia to buy Lumora in $900 million deal",
        "Nvidia will buy Lumora, a startup that builds AI inference software, for $900 million, "
        "according to a statement on Monday. Nvidia agreed to acquire the company to make its "
        "data center chips cheaper to run.",
    ),
    Report(
        "nvidia-lumora-c",
        "wire",
        "nvidia-lumora",
        2,
        30,
        "Nvidia completes acquisition of Lumora",
        "Nvidia has completed its acquisition of Lumora, the AI inference startup it agreed to "
        "buy for $900 million, the company said on Tuesday. Lumora's team will join Nvidia's "
        "software group.",
    ),
    Report(
        "nvidia-lumora-d",
        "techdaily",
        "nvidia-lumora",
        2,
        31,
        "Nvidia closes its $900 million purchase of Lumora",
        "Nvidia said it has closed its acquisition of Lumora, the AI inference startup, for "
        "$900 million. The deal was completed on Tuesday, a day after it was announced.",
    ),
    # -- Nvidia buys Tessellate (same company, same kind, same day) ----------------------------
    Report(
        "nvidia-tessellate-a",
        "techdaily",
        "nvidia-tessellate",
        1,
        2,
        "Nvidia acquires AI robotics startup Tessellate",
        "Nvidia has acquired Tessellate, an AI robotics startup that builds simulation tools for "
        "warehouse robots, the companies said on Monday. Terms of the deal were not disclosed.",
    ),
    # -- Apple buys Vocalis (one outlet) --------------------------------------------------------
    Report(
        "apple-vocalis-a",
        "bytes",
        "apple-vocalis",
        1,
        2,
        "Apple acquires AI speech startup Vocalis",
        "Apple has acquired Vocalis, an AI speech recognition startup based in Zurich, to "
        "improve Siri, according to people familiar with the deal. Apple confirmed the "
        "purchase, saying it buys smaller technology companies from time to time.",
    ),
    # -- earnings about the same companies: alert nobody ---------------------------------------
    Report(
        "meta-earnings-a",
        "wire",
        "meta-earnings",
        1,
        1,
        "Meta quarterly revenue beats estimates as ad sales grow",
        "Meta reported quarterly revenue of $47 billion on Wednesday, above analysts' estimates, "
        "as advertising sales grew 22 percent. Earnings per share rose to $7.10. The company "
        "raised its capital spending forecast for the year.",
        matches=False,
    ),
    Report(
        "nvidia-earnings-a",
        "bytes",
        "nvidia-earnings",
        2,
        8,
        "Nvidia revenue jumps on data center demand, earnings top forecasts",
        "Nvidia said quarterly revenue rose 56 percent to $46.7 billion, beating forecasts, as "
        "demand for its data center chips stayed strong. Net income rose to $26.4 billion and "
        "the company guided above expectations for the next quarter.",
        matches=False,
    ),
)

EVENTS = ("meta-raman", "meta-okafor", "nvidia-lumora", "nvidia-tessellate", "apple-vocalis")


@cache
def default_matcher() -> Matcher:
    """The default watchlist, compiled once for every test that stores reports."""
    return Matcher([load_default_watchlist()])


def save_report(store: Any, i: int, published: datetime, channel: str = "slack") -> list[int]:
    """``REPORTS[i]`` stored as a crawled article, its default-watchlist matches routed to
    ``channel``; the delivery ids the store made."""
    r = REPORTS[i]
    record = ArticleRecord(
        source=r.outlet,
        url=f"https://{r.outlet}.example/{r.slug}",
        fetched_url=f"https://{r.outlet}.example/{r.slug}",
        title=r.title,
        text=r.body,
        fingerprint=(i + 1) * 0x0F0F_0F0F_0F0F,
        content_hash=r.slug,
        published=published,
    )
    matcher = default_matcher()
    routes = {matcher.watchlists[0].name: [channel]}
    return list(store.save_article(record, matcher.match(r.title, r.body), routes).delivery_ids)
