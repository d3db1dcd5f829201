"""Word lists that tell names from the words around them, for :mod:`crawler.matching.parties`.

Capitalised words that open sentences and clauses, dates and titles (``OPENERS``), words that
only describe a party (``DESCRIPTORS``: "AI", "CEO", "Startup"), titles between an organisation and
a person (``TITLE_WORDS``), words that make a name a company's (``COMPANY_WORDS``), places, bodies
that are not companies, and the words of investment firms' names. Plain word lists, one home each.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that open sentences and clauses, dates, and words that only describe.
OPENERS = _words(
    """
    The A An In On At As After Before According But And Or Its It This That These Those When While
    With For From By To Of Last Earlier Today Yesterday Tomorrow Now Then Also However Meanwhile
    Still Since If So Other Some Many Both Each Every Such Our Their His Her We They He She I You
    There Here What Why How Who Which Where Under Over Into Through Despite Amid Like Unlike Just
    Even More Most New Former Ex Chief Exclusive Report Reports Update Updated Analysis Opinion
    Editor Sources Source Rumor Rumour Breaking Watch Read Inside Meet Inc Instead Although Though
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July
    August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mr
    Mrs Ms Dr Prof Sir Not No Yes All Any Few Hundreds Thousands Billion Million Year Years Week
    Weeks Day Days
    """
)

# Words that describe a party or its role but do not name it on their own.
DESCRIPTORS = _words(
    """
    AI A.I. ML NLP LLM LLMs GenAI CEO CTO CFO COO CSO CPO CBO CMO CIO CRO CAIO VP SVP EVP President
    Chairman Chair Founder Cofounder Co-founder Head Director Officer Scientist Researcher Engineer
    Executive Vice Chief Senior Lead Principal Manager Partner General Counsel Scientific Technology
    Technical Operating Financial Marketing Product Research Engineering Sales Business Revenue US
    U.S. UK U.K. EU SaaS API APIs GPU GPUs IPO SPAC IT R&D B2B Series Seed Round Fund Funding
    Startup Startups Company Firm Deal Deals Acquisition Acquires Acquired Buys Hires Joins Invests
    Investment Stake Talks Merger CEOs Big Tech Silicon Valley Wall Street Generative Artificial
    Intelligence Machine Learning Data Cloud Enterprise Platform Billion Million
    """
)

# Words of a title that sit between an organisation and a person ("OpenAI CEO Sam Altman").
TITLE_WORDS = _words(
    """
    CEO CTO CFO COO CSO CPO CBO CMO CIO CAIO President Chairman Founder Cofounder Co-founder Head
    Director Chief VP SVP EVP
    """
)

COMPANY_WORDS = _words(
    """
    AI Labs Lab Inc Corp Corporation Co Ltd LLC Capital Ventures Technologies Technology Systems
    Networks Group Holdings Partners Fund Cloud Robotics Health Bio Therapeutics Software Data
    Analytics Security Research Foundation Institute University Motors Media Games Studios Bank
    Microsystems Semiconductor Devices Intelligence Dynamics Industries Energy Pharma Computing
    Solutions Services Digital Global International Vision Mind Mobile Apps Brain DeepMind Quantum
    Platforms Automation Motion Works Labs Cognition Health Logic Networks Sciences Supply Farm
    Farms Bank Hotels Foods Airlines Insurance Logistics Stores Retail Motor Pharmaceuticals
    """
)

# Places are not parties to a deal ("invest $15B in India").
PLACES = _words(
    """
    India Indian China Chinese Japan Japanese Korea Korean France French Germany German Britain
    British UK U.K. US U.S. USA America American Europe European Africa African Asia Asian Canada
    Canadian Israel Israeli UAE Saudi Arabia Qatar Singapore Australia Brazil Mexico Spain Italy
    Ireland Sweden Netherlands Switzerland Taiwan Vietnam Indonesia London Paris Berlin Tokyo
    Beijing Shanghai Seoul Toronto Texas California Washington York Boston Seattle Austin America
    Iowa Ohio Nebraska Florida Oregon Colorado Arizona Utah Michigan Illinois
    Massachusetts Pennsylvania Minnesota Wisconsin Tennessee Chicago Denver Atlanta
    Dallas Houston Miami Detroit Pittsburgh Edinburgh Dublin Manchester Munich Stockholm Amsterdam
    Zurich Madrid Milan Warsaw Delhi Mumbai Bangalore Bengaluru Dubai Sydney Melbourne Montreal
    Vancouver Nagoya Osaka Taipei Hong Kong
    """
)

# Organisations that are not companies: a merger of foundations is no AI deal.
NON_COMPANY = _words(
    """
    Foundation University Institute Council Government Ministry Department Commission Union
    Association Committee Agency Parliament Court Congress Senate Administration Society School
    College Hospital Church Army Navy Police
    """
)

REGION_WORDS = _words(
    """
    North South East West Central Latin Middle Bay Area Valley Silicon New
    """
)

INVESTOR_WORDS = _words(
    """
    Venture Ventures Capital Partners Fund Investments Management VC Equity
    """
)

# Lower-case words that follow "startup" or "company" without naming it ("a startup that ...").
LOWER_FUNCTION_WORDS = _words(
    """
    for that which with in of to and based called named on at by from its their is was has had
    will would could can said says the a an last this founded backed valued known behind where who
    whose as after before into over under since until while than then now also focused building
    making developing specializing specialising or but
    """
)
