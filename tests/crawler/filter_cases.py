"""Hand-written relevance-filter fixtures for newswatch.

These are hand-written stories, in our own words, about invented companies and people
(real big companies appear only as buyers, investors or hirers). Each case exercises one
family the relevance filter must get right: the canonical long feature, open-world parties,
strategic investors, frames the lexicon does not know, plain hiring, deal status, and the
false-alarm families that must stay quiet. Labels follow
``shared/data/eval/RUBRIC.md``. None of the texts is copied from a real article.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str  # short slug
    family: str  # which family it exercises
    title: str
    body: str  # paragraphs separated by "\n"
    relevant: bool
    kind: str | None  # "deal" | "hiring" | "both" | None when irrelevant
    actor: str | None  # acquirer / investor / hirer the alert headline must name
    target: str | None  # target company / investee / hired person
    status: str | None = None  # "rumoured" | "talks" | "agreed" | "completed" | "blocked" | "off"


CASES: tuple[Case, ...] = (
    Case(
        id="canonical-feature",
        family="canonical-feature",
        title="Inside the scramble to rebuild a social media giant around the AI race",
        body=(
            "For most of the past decade, the engineers who mattered most at Meta worked on "
            "feeds, ad auctions and the endless plumbing of messaging apps. That pecking order "
            "has been turned upside down. Over the past year the company has reorganised teams, "
            "rewritten budgets and reshuffled its leadership around a single goal: catching up "
            "in the race to build the most capable AI models.\n"
            "The urgency became obvious in the spring, when a flagship model arrived to a "
            "lukewarm reception from developers, several of whom complained on public forums "
            "that it lagged rival systems on coding and reasoning benchmarks. Inside the "
            "company, according to four current and former employees, the verdict was harsher. "
            "“People stopped pretending we were ahead,” one of them said.\n"
            "What followed was a spending spree that has startled even investors accustomed to "
            "the company's appetite. Guidance for capital expenditure was lifted twice, to as "
            "much as $70 billion for the year, most of it earmarked for data centres and the "
            "accelerators needed to fill them.\n"
            "Hardware, however, was only part of the answer. Executives concluded that the real "
            "bottleneck was people and data: the small pool of researchers who know how to train "
            "frontier systems, and the painstakingly labelled examples those systems learn from.\n"
            "In June, Meta invested $11.5 billion in Tallyframe, a five-year-old data-labelling "
            "startup based in San Francisco, in exchange for a 49% stake. As part of the "
            "arrangement Tallyframe's 27-year-old founder and chief executive, Idris Okafor, "
            "handed over day-to-day control of the startup and joined Meta, where he now runs a "
            "newly created research group the company calls its frontier intelligence lab. "
            "Tallyframe remains an independent company, with its chief strategy officer, Helen "
            "Marsh, serving as interim CEO.\n"
            "Okafor, who left a physics degree unfinished to start the business, has moved "
            "quickly. People close to the lab say he and a small recruiting team have approached "
            "dozens of researchers at Corvid Research, a lab founded in London by former "
            "academics, with packages that in some cases exceed $100 million over four years. At "
            "least seven Corvid researchers have since accepted, according to their professional "
            "profiles.\n"
            "“The numbers are not normal, and nobody pretends they are,” said Marisa Quint, a "
            "pay consultant who advises several AI labs. “But if you believe a handful of people "
            "decide whether your model comes first or fifth, nine figures starts to look cheap.”\n"
            "The recruiting drive ran alongside an attempt to buy talent wholesale. Earlier this "
            "year Meta held discussions about acquiring Halvard AI, a Paris startup known for "
            "compact reasoning models, according to two people briefed on the matter. The "
            "conversations stalled over price and over Halvard's insistence on keeping its "
            "open-weight licences, and no agreement was reached. Halvard later raised money from "
            "other backers.\n"
            "Not everyone is convinced the approach will pay off. Some long-serving employees "
            "say the new lab's pay scales have bred resentment among teams that were told to do "
            "more with less during the company's recent efficiency drive. Analysts, meanwhile, "
            "question how soon any of it will show up in products people use.\n"
            "“They are buying optionality,” said Tomás Feld, an analyst at Briarwood Securities. "
            "“The bill is enormous, but the alternative, being a permanent fast follower in the "
            "most important technology of the decade, is one they have clearly decided they "
            "cannot afford.”\n"
            "A Meta spokesperson said the company was “investing for the long term” and declined "
            "to comment on individual hires."
        ),
        relevant=True,
        kind="both",
        actor="Meta",
        target="Tallyframe",
        status="completed",
    ),
    Case(
        id="open-world-acquires-support-startup",
        family="open-world-parties",
        title="Brightpath acquires AI support-automation startup Ferrolane.ai",
        body=(
            "Brightpath, the Denver-based maker of help-desk and ticketing software, said on "
            "Tuesday it has bought Ferrolane.ai, a young company whose software agents resolve "
            "routine customer service requests without a human stepping in. Financial terms were "
            "not disclosed.\n"
            "Ferrolane was founded in 2021 by Dana Whitcombe and Rui Santos, who previously ran "
            "operations at a large outsourced call centre. Its system reads incoming emails and "
            "chat messages, pulls up order and account records, and then either drafts a reply "
            "for an agent or sends one on its own. The company says it closes roughly 40% of "
            "tickets at its biggest customers without escalation.\n"
            "“For years our customers have asked when the help desk would start answering "
            "questions instead of just routing them,” Brightpath chief executive Marcus Ellery "
            "said in a statement. “Ferrolane has built exactly that, and doing it ourselves "
            "would have taken far longer.”\n"
            "All 38 Ferrolane employees will move to Brightpath, and Whitcombe will lead a new "
            "automation unit reporting directly to Ellery. The Ferrolane product will continue "
            "to be sold separately for now and will be folded into Brightpath's platform over "
            "the next 12 months.\n"
            "Ferrolane had raised about $22 million from investors including Keystone Ridge "
            "Ventures. Privately held Brightpath says it serves more than 9,000 businesses and "
            "has made three smaller purchases since 2022, mostly of reporting and analytics "
            "tools.\n"
            "The deal lands as help-desk vendors rush to add generative features to products "
            "that have changed little in a decade. Customers are increasingly judging those "
            "vendors on how much work their software can take off human agents, said Lena Ortiz, "
            "an analyst at Castlegate Research. “Deflection rates are the new feature "
            "checklist,” she said."
        ),
        relevant=True,
        kind="deal",
        actor="Brightpath",
        target="Ferrolane",
        status="completed",
    ),
    Case(
        id="open-world-passive-acquired",
        family="open-world-parties",
        title="AI personalization provider Lumasift gets acquired by Orbelle Commerce",
        body=(
            "Lumasift, a Toronto company whose machine-learning models decide which products, "
            "banners and discounts each visitor sees on a retailer's website, has been acquired "
            "by Orbelle Commerce, the online-store platform said on Thursday.\n"
            "Orbelle did not put a price on the transaction. Two people familiar with the terms "
            "said it was worth about $180 million in cash and stock, a healthy multiple of the "
            "roughly $40 million Lumasift raised over its five-year life.\n"
            "Lumasift was started in 2019 by Anika Brandt, a former recommender-systems "
            "engineer, and Felix Oduya, who had run merchandising at a Canadian department-store "
            "chain. About 60 retailers use its software, which learns from clicks, purchases and "
            "returns to reorder category pages in real time.\n"
            "“Every merchant on our platform wants the storefront to feel as if it was built for "
            "one shopper,” said Orbelle's chief product officer, Gareth Lomax. “Lumasift's "
            "models already do that for some of the most demanding brands in fashion and home "
            "goods, and now they will be available to all of our customers.”\n"
            "Brandt will become Orbelle's vice president of personalization, and the 45-person "
            "Lumasift team will stay in Toronto, which Orbelle said would become its main "
            "research hub in Canada. Existing Lumasift contracts will be honoured, including "
            "those with retailers that use rival commerce platforms.\n"
            "The deal is Orbelle's largest to date. The company, which hosts around 120,000 "
            "online shops, bought a payments-reconciliation startup last year and has said it "
            "wants to compete more directly with bigger platforms for large merchants."
        ),
        relevant=True,
        kind="deal",
        actor="Orbelle Commerce",
        target="Lumasift",
        status="completed",
    ),
    Case(
        id="open-world-agreed-to-buy-appositive",
        family="open-world-parties",
        title=(
            "Kestrel Instruments, a maker of factory sensors, agreed to buy Nodewise, an AI "
            "startup that predicts equipment failures"
        ),
        body=(
            "Kestrel Instruments said on Monday that it has signed a definitive agreement to "
            "purchase Nodewise for $310 million, adding software that forecasts when pumps, "
            "motors and conveyor systems are about to break down to its line of vibration and "
            "temperature sensors.\n"
            "Nodewise, based in Pittsburgh, trains models on streams of sensor readings and "
            "maintenance logs to flag machines that are drifting toward failure, often weeks "
            "before a technician would notice. Its customers include food processors, paper "
            "mills and two of the largest US parcel-sorting networks.\n"
            "“Our sensors tell a plant manager what is happening right now. Nodewise tells them "
            "what is going to happen next,” said Kestrel chief executive Ruth Abernathy on a "
            "call with analysts. “Putting the two together is the product our customers keep "
            "describing to us.”\n"
            "The purchase will be funded with cash on hand and a new term loan. Kestrel expects "
            "the transaction to close in the third quarter, subject to regulatory approvals and "
            "other customary conditions. Nodewise co-founders Adrian Kowalczyk and Mei Lin Tan "
            "will join Kestrel's leadership team once it completes.\n"
            "Shares of Kestrel, which reported revenue of $1.4 billion last year, rose 3% in "
            "morning trading. Analysts at Halloway Capital said the price was steep relative to "
            "Nodewise's estimated $25 million in annual recurring revenue but argued that the "
            "software could make Kestrel's hardware far stickier.\n"
            "Industrial equipment makers have been looking for ways to sell software "
            "subscriptions alongside their devices, and predictive maintenance is one of the few "
            "areas where customers can easily measure the savings."
        ),
        relevant=True,
        kind="deal",
        actor="Kestrel Instruments",
        target="Nodewise",
        status="agreed",
    ),
    Case(
        id="open-world-body-only-acquisition",
        family="open-world-parties",
        title="Pallwick expands its platform",
        body=(
            "Pallwick, the document-management software company, has acquired Scribent AI, a "
            "startup that builds language models for pulling names, dates, amounts and clauses "
            "out of contracts and invoices, the company said on Wednesday.\n"
            "The purchase price was not disclosed. Scribent, which has offices in Austin and "
            "Lisbon, employs 27 people, nearly all of them engineers and researchers. They will "
            "join Pallwick's product group, and Scribent co-founder Tobias Rennick will become "
            "Pallwick's head of machine learning.\n"
            "Pallwick has long sold tools that store, search and route documents inside large "
            "companies, but customers have increasingly asked it to go further and understand "
            "what those files actually say. Until now it relied on third-party extraction "
            "services for that work.\n"
            "“Most of our customers' documents are contracts, purchase orders and invoices, and "
            "almost all of the value is locked inside them,” said Pallwick president Selma "
            "Harrington. “Scribent's models read those documents better than anything we tested, "
            "and they are small enough to run inside a customer's own environment.”\n"
            "Scribent's models will be built into Pallwick's main platform later this year, the "
            "company said, and existing Scribent customers will be offered migration paths. "
            "Pallwick also announced a refreshed user interface and new integrations with two "
            "popular accounting packages.\n"
            "Pallwick, which is backed by private equity firm Tamsin Partners, has around 1,100 "
            "employees and says more than 3,000 organisations use its software."
        ),
        relevant=True,
        kind="deal",
        actor="Pallwick",
        target="Scribent AI",
        status="completed",
    ),
    Case(
        id="strategic-intel-capital-led",
        family="strategic-investor",
        title="Fathomlight raises $40M to speed up AI on edge devices",
        body=(
            "Fathomlight, a startup that writes software to run neural networks efficiently on "
            "cameras, drones and industrial gateways, has raised $40 million in a Series B round "
            "led by Intel Capital, the company said on Tuesday.\n"
            "Existing backers Sandpiper Ventures and Orrin Capital also took part. The round "
            "brings Fathomlight's total funding to $62 million; the company declined to give its "
            "valuation.\n"
            "Founded in 2020 by Kiran Deshpande and Lucia Benn, Fathomlight compiles trained "
            "models so they run on low-power chips with a fraction of the memory they would "
            "normally need. The company says customers typically see inference speed up three to "
            "five times without a meaningful loss in accuracy.\n"
            "“Most of the world's AI will not run in a data centre. It will run on a device "
            "bolted to a wall or a machine,” Deshpande said in an interview. “The hard part is "
            "making models fit on that hardware without rewriting them every time.”\n"
            "As part of the investment, an Intel Capital managing director will join "
            "Fathomlight's board. The startup said it would use the money to double its "
            "engineering team to about 90 people and to expand support for more chip "
            "architectures.\n"
            "Intel Capital has been an active investor in companies working on AI inference "
            "outside the data centre, a market where its parent hopes to sell more processors."
        ),
        relevant=True,
        kind="deal",
        actor="Intel Capital",
        target="Fathomlight",
        status="completed",
    ),
    Case(
        id="strategic-nventures-led",
        family="strategic-investor",
        title="Graniteweave raises $60M to train AI models on materials science data",
        body=(
            "Graniteweave, a Boston startup that trains machine-learning models to predict the "
            "properties of new alloys, polymers and battery materials, said on Wednesday that it "
            "has raised $60 million in a Series A round led by NVentures, the venture capital "
            "arm of Nvidia.\n"
            "Other participants included Coldharbor Ventures and the university endowment fund "
            "that backed the company's seed round. Graniteweave did not disclose its valuation.\n"
            "The company was spun out of a university materials lab in 2022 by Sofia Marchetti "
            "and Daniel Osei. It combines physics simulations with data from its own automated "
            "lab, where robotic arms mix and test hundreds of samples a day, to train models "
            "that can suggest candidates for specific uses.\n"
            "“Chemists have always had good intuition and very slow feedback loops,” Marchetti "
            "said. “We are trying to shorten the loop from months to days.”\n"
            "Graniteweave says it is working with two battery makers and an aerospace supplier, "
            "and that the new funding will pay for a second automated lab and a larger computing "
            "budget. It currently employs 48 people.\n"
            "NVentures has led or joined dozens of rounds in AI startups over the past two "
            "years, many of them companies that rely heavily on Nvidia's hardware and software "
            "stack."
        ),
        relevant=True,
        kind="deal",
        actor="NVentures",
        target="Graniteweave",
        status="completed",
    ),
    Case(
        id="strategic-softbank-vf2-led",
        family="strategic-investor",
        title="Oruvex raises $150M to build general-purpose robot brains",
        body=(
            "Oruvex, which develops foundation models meant to control many kinds of robots with "
            "a single system, has raised $150 million in a funding round led by SoftBank Vision "
            "Fund 2, the startup said on Thursday.\n"
            "The round values the two-year-old company at about $1.1 billion, according to a "
            "person familiar with the terms. Previous investors Winterline Capital and Hartwell "
            "Partners also put in money.\n"
            "Oruvex was founded by Nadia Petrova and Sung-min Cho, who met while working on "
            "robot-learning research at a large tech company. Its models are trained on video, "
            "simulation and teleoperation data so they can pick, place and sort objects on "
            "different robot arms without being retrained from scratch.\n"
            "“Every robot today ships with its own narrow brain,” Petrova said. “We think one "
            "model that understands the physical world can drive a warehouse arm in the morning "
            "and a kitchen robot in the afternoon.”\n"
            "The company plans to use the money to build a fleet of data-collection robots and "
            "to expand its team of 70 in Zurich and San Francisco. It is running pilots with "
            "three logistics operators in Europe and Japan.\n"
            "The investment extends SoftBank's run of large bets on robotics and AI, a theme its "
            "leadership has repeatedly described as the company's top priority."
        ),
        relevant=True,
        kind="deal",
        actor="SoftBank Vision Fund 2",
        target="Oruvex",
        status="completed",
    ),
    Case(
        id="frame-lured-away",
        family="unlisted-frame",
        title="Google speech researcher Ayesha Khatri lured away to Vantora Labs",
        body=(
            "Vantora Labs has lured away Ayesha Khatri, one of the researchers behind Google's "
            "recent advances in real-time speech translation, the startup confirmed on Friday.\n"
            "Khatri spent seven years at Google, most recently leading a group of around 40 "
            "people working on models that listen and speak at the same time instead of waiting "
            "for a speaker to finish. At Vantora she will head a new audio research team and "
            "report to co-founder and chief executive Bram Oosterhuis.\n"
            "“Ayesha has shipped speech systems that hundreds of millions of people use every "
            "day,” Oosterhuis wrote in a post announcing the move. “That combination of research "
            "depth and product instinct is exceptionally rare.”\n"
            "Vantora, founded two years ago in Amsterdam, builds voice assistants for customer "
            "service and healthcare providers. It raised $85 million earlier this year and has "
            "said it wants to train its own speech models rather than rely on third-party "
            "systems.\n"
            "Khatri said in a brief statement that she was drawn by the chance to build a team "
            "from scratch. People familiar with the offer said it included a significant equity "
            "stake. Google did not respond to a request for comment.\n"
            "Big AI companies have struggled to hold on to senior researchers as well-funded "
            "startups dangle equity packages and the promise of more independence."
        ),
        relevant=True,
        kind="hiring",
        actor="Vantora Labs",
        target="Ayesha Khatri",
    ),
    Case(
        id="frame-poached",
        family="unlisted-frame",
        title="Deepwell.ai poaches Nvidia inference veteran Colin Ashby",
        body=(
            "Deepwell.ai, the startup designing chips for running large AI models, has poached "
            "Colin Ashby from Nvidia, where he spent more than a decade working on the software "
            "that schedules AI workloads across thousands of processors.\n"
            "Ashby will join Deepwell as senior vice president of systems software, the company "
            "said on Monday. He is expected to bring at least four members of his former team "
            "with him, according to two people with knowledge of the matter.\n"
            "“Great silicon is worthless if developers can't get their models onto it,” Deepwell "
            "chief executive Farah Idowu said. “Colin has spent his career solving exactly that "
            "problem at a scale almost no one else has seen.”\n"
            "Deepwell, which is based in Santa Clara, taped out its first inference chip last "
            "year and says it has early customers among cloud providers in Asia. It has raised "
            "about $400 million to date.\n"
            "The hire is the latest in a string of moves by chip startups to recruit engineers "
            "from the dominant supplier, whose software ecosystem is widely seen as its biggest "
            "advantage. An Nvidia spokesperson said the company wished Ashby well.\n"
            "Ashby did not respond to messages seeking comment. His profile was updated on "
            "Monday to reflect the new role."
        ),
        relevant=True,
        kind="hiring",
        actor="Deepwell.ai",
        target="Colin Ashby",
    ),
    Case(
        id="frame-returns-chief-scientist",
        family="unlisted-frame",
        title="Priya Raman returns to Quillmark as chief scientist",
        body=(
            "Quillmark, the company behind a popular AI writing assistant, has brought in Priya "
            "Raman as its chief scientist, reuniting the startup with one of its earliest "
            "researchers.\n"
            "Raman was Quillmark's fourth employee and built the first version of the model that "
            "powers its editing suggestions. She left in 2022 to join Microsoft Research, where "
            "she led work on methods for making language models cite their sources.\n"
            "“I left a small team and I'm coming back to a real company with real customers,” "
            "Raman said in an interview. “What hasn't changed is that the hardest questions are "
            "still about trust: whether people can rely on what the model tells them.”\n"
            "Chief executive Jonas Whitfield said Raman would oversee Quillmark's research group "
            "of about 60 people and set the direction for the company's next generation of "
            "models. The role has been vacant since the previous chief scientist left in the "
            "spring to start his own company.\n"
            "Quillmark says more than 8 million people use its assistant each month, and it has "
            "been pushing into enterprise sales, where accuracy and data handling matter more "
            "than in the consumer market.\n"
            "Microsoft confirmed Raman's departure and said her former projects would continue "
            "under existing team leads."
        ),
        relevant=True,
        kind="hiring",
        actor="Quillmark",
        target="Priya Raman",
    ),
    Case(
        id="frame-snaps-up",
        family="unlisted-frame",
        title="Salesforce snaps up meeting-notes startup Murmurly",
        body=(
            "Salesforce has snapped up Murmurly, a two-year-old startup whose AI models listen "
            "to sales calls and turn them into summaries, follow-up tasks and updates to "
            "customer records. The deal closed on Friday, according to a filing and a post on "
            "Murmurly's website.\n"
            "Neither company disclosed the price. Murmurly had raised $18 million from seed and "
            "Series A investors, most recently at a valuation of around $90 million.\n"
            "Murmurly's software joins video and phone calls, identifies speakers and extracts "
            "things like budget, timing and objections, then writes them into the relevant "
            "fields of a sales system. Its founders, Grace Nakamura and Luis Fernandez, "
            "previously built transcription tools at a large telecom company.\n"
            "“Sellers hate data entry, and managers hate incomplete data,” Nakamura wrote in the "
            "announcement. “Joining Salesforce means our models can sit right where that data "
            "lives.”\n"
            "The 22-person team will join Salesforce's AI product group. Murmurly said its "
            "standalone app will stop accepting new customers and will be wound down over the "
            "next six months.\n"
            "Salesforce has been adding assistant features across its products and has bought a "
            "number of small AI companies to speed that effort up."
        ),
        relevant=True,
        kind="deal",
        actor="Salesforce",
        target="Murmurly",
        status="completed",
    ),
    Case(
        id="frame-majority-position",
        family="unlisted-frame",
        title="Hollins Group takes a majority position in AI underwriting firm Riskloom",
        body=(
            "Hollins Group, the Chicago-based insurance holding company, has taken a majority "
            "position in Riskloom, a startup whose machine-learning models price commercial "
            "property risks, in a transaction valuing the younger company at about $240 million.\n"
            "Hollins bought newly issued and existing shares to lift its holding to 62%, up from "
            "the 9% it acquired in an earlier funding round, the companies said on Tuesday. "
            "Riskloom's founders and several early investors sold part of their stakes.\n"
            "Riskloom's models combine satellite imagery, building permits, weather records and "
            "claims histories to estimate the chance of fire, flood or storm damage for "
            "warehouses, shops and offices. Insurers use the scores to decide what to cover and "
            "how much to charge.\n"
            "“We have been a customer and an investor, and we kept seeing better results "
            "wherever we used Riskloom,” Hollins chief executive Patrick Daley said. “Taking "
            "control lets us put it at the centre of how we underwrite.”\n"
            "Riskloom will continue to operate as a separate brand and to sell to other "
            "insurers, and co-founder Amara Ellison will remain chief executive. Hollins will "
            "appoint four of seven board members.\n"
            "Insurers have been among the more aggressive buyers of AI companies in financial "
            "services, seeing pricing models as a way to pick better risks in a market battered "
            "by rising disaster losses."
        ),
        relevant=True,
        kind="deal",
        actor="Hollins Group",
        target="Riskloom",
        status="completed",
    ),
    Case(
        id="frame-license-and-hire",
        family="unlisted-frame",
        title="Nvidia pays $650M to license Parallax Minds' models and hire its CEO",
        body=(
            "Nvidia has agreed to pay $650 million to license the models built by Parallax Minds "
            "and to hire the startup's chief executive, Jonah Wexler, along with most of its "
            "staff, according to people familiar with the arrangement and an internal memo seen "
            "by reporters.\n"
            "The structure stops short of a formal acquisition. Parallax will continue to exist "
            "as a company, keep its remaining employees and use part of the licensing fee to "
            "repay its investors. About 70 of its roughly 90 staff are expected to move to "
            "Nvidia within the next month.\n"
            "Parallax, founded three years ago, built a family of models that plan and carry out "
            "multi-step tasks inside software, such as filing expense reports or configuring "
            "cloud servers. It raised about $420 million from investors but struggled to turn "
            "the technology into a steady business.\n"
            "“We came to the conclusion that the fastest way to get this research into people's "
            "hands was inside a company with Nvidia's reach,” Wexler wrote in the memo. He will "
            "lead a new agents research group at the chipmaker.\n"
            "Deals of this kind, in which a large company licenses a startup's technology and "
            "hires its leaders instead of buying it outright, have become common in AI. Critics "
            "say they let big tech companies absorb promising rivals without the scrutiny that a "
            "full takeover would attract.\n"
            "Nvidia declined to comment beyond confirming that Wexler and members of his team "
            "would be joining."
        ),
        relevant=True,
        kind="both",
        actor="Nvidia",
        target="Parallax Minds",
        status="agreed",
    ),
    Case(
        id="hiring-lab-hires-cto",
        family="hiring",
        title="Solenne AI hires Google Cloud veteran Martin Kessler as CTO",
        body=(
            "Solenne AI, the startup building language models for banks and insurers, has hired "
            "Martin Kessler, a longtime Google Cloud executive, as its chief technology officer.\n"
            "Kessler spent 11 years at Google, most recently as vice president of engineering "
            "for the cloud unit's machine-learning infrastructure, where he oversaw the systems "
            "that let enterprise customers train and serve models. He starts at Solenne next "
            "month.\n"
            "“Our customers are regulated institutions that need models running in their own "
            "data centres, audited and monitored,” said Solenne chief executive Aditi Vora. "
            "“Martin has spent his career building exactly that kind of infrastructure for the "
            "largest companies in the world.”\n"
            "Solenne, based in New York, was founded in 2022 and says about 30 financial "
            "institutions use its models for tasks such as reviewing loan files and answering "
            "compliance questions. It raised $120 million last year.\n"
            "Kessler replaces co-founder Ilya Brandt, who had served as CTO since the company's "
            "founding and will now focus on research as chief scientist.\n"
            "“I wanted to be closer to the customer and closer to the model,” Kessler said. “At "
            "a company of Solenne's size you can do both.”"
        ),
        relevant=True,
        kind="hiring",
        actor="Solenne AI",
        target="Martin Kessler",
    ),
    Case(
        id="hiring-big-co-head-of-ai",
        family="hiring",
        title="Intel names Northlake AI's Samir Haddad its new head of AI",
        body=(
            "Intel has named Samir Haddad, the co-founder and research chief of Northlake AI, as "
            "its new head of artificial intelligence, the chipmaker said on Monday.\n"
            "Haddad will run a newly combined group that brings together Intel's AI software, "
            "model optimisation and developer tools teams, and will report to the chief "
            "executive. He succeeds an interim leader who had held the post since the previous "
            "head of AI retired in March.\n"
            "At Northlake, a San Diego lab that builds open-source models for code generation, "
            "Haddad led a research team of about 50 and was the public face of several widely "
            "used model releases. He will step back from his operating role there but stay on as "
            "an adviser.\n"
            "“Samir understands what developers actually need from hardware, because he has been "
            "one of those developers,” Intel said in its announcement. “He will help make sure "
            "our platforms are the easiest place to build and run AI.”\n"
            "The appointment comes as Intel tries to win a larger share of spending on AI "
            "computing, a market dominated by rivals, and to persuade developers to adopt its "
            "software tools.\n"
            "Northlake said its other co-founder, Eva Lindholm, would take over as head of "
            "research and that its release schedule was unchanged."
        ),
        relevant=True,
        kind="hiring",
        actor="Intel",
        target="Samir Haddad",
    ),
    Case(
        id="hiring-defects-to-rival",
        family="hiring",
        title="Kalden AI's training lead Oren Bexley defects to rival Stratavane",
        body=(
            "Oren Bexley, who ran model training at Kalden AI and was widely credited with the "
            "company's last two flagship releases, has defected to its rival Stratavane, both "
            "companies confirmed on Wednesday.\n"
            "Bexley will lead pre-training at Stratavane, overseeing the large runs that produce "
            "the company's base models. People familiar with his new contract said it includes a "
            "stock award worth well over $50 million at Stratavane's most recent valuation.\n"
            "His departure is a blow to Kalden, which has lost several senior researchers this "
            "year. In a message to staff, Kalden chief executive Rosa Mendel said the company "
            "had “deep bench strength” in training and named two researchers to share Bexley's "
            "responsibilities.\n"
            "“Oren is one of perhaps a few dozen people in the world who have run training at "
            "this scale,” Stratavane co-founder Victor Amsel said. “We are thrilled he chose to "
            "build the next generation with us.”\n"
            "The two labs, both based in San Francisco, have competed closely for customers and "
            "researchers since Stratavane was founded by former Kalden employees three years "
            "ago.\n"
            "Bexley said on social media that the decision had been “incredibly hard” and "
            "thanked his former colleagues."
        ),
        relevant=True,
        kind="hiring",
        actor="Stratavane",
        target="Oren Bexley",
    ),
    Case(
        id="status-advanced-talks",
        family="deal-status",
        title="Google in advanced talks to acquire AI coding startup Threadline",
        body=(
            "Google is in advanced talks to acquire Threadline, a startup whose AI assistant "
            "reviews and rewrites code inside large software repositories, according to three "
            "people familiar with the discussions.\n"
            "The companies have been negotiating for several weeks over a deal that could value "
            "Threadline at $2 billion or more, the people said, asking not to be identified "
            "because the talks are private. No deal has materialized so far, and the discussions "
            "could still collapse over price or over how Threadline's team would be integrated.\n"
            "Threadline, founded in 2021 by Hugo Castellan and Noor Aziz, sells tools that let "
            "engineers ask questions about millions of lines of code and have an AI system make "
            "coordinated changes across many files. It says more than 400 companies pay for the "
            "product.\n"
            "A tie-up would give Google a popular product among professional developers at a "
            "time when coding assistants have become one of the most fiercely contested markets "
            "in AI. Threadline had also drawn interest from at least one other large technology "
            "company, one of the people said.\n"
            "Threadline raised $150 million last year at a $1.2 billion valuation. "
            "Representatives for Google and Threadline declined to comment.\n"
            "Any agreement would likely face regulatory review given the size of Google's "
            "existing developer business, the people said."
        ),
        relevant=True,
        kind="deal",
        actor="Google",
        target="Threadline",
        status="talks",
    ),
    Case(
        id="status-blocked",
        family="deal-status",
        title="UK watchdog blocks Microsoft's $2.3B takeover of AI chip designer Siltrove",
        body=(
            "Britain's Competition and Markets Authority has blocked Microsoft's proposed $2.3 "
            "billion purchase of Siltrove, a Cambridge company that designs chips for running AI "
            "models in data centres, saying the deal could harm competition in cloud computing.\n"
            "The regulator said on Thursday that owning Siltrove would give Microsoft the "
            "ability and incentive to withhold the chips from rival cloud providers, several of "
            "which rely on Siltrove designs. Remedies offered by Microsoft, including a promise "
            "to keep supplying competitors for ten years, were judged insufficient.\n"
            "“Siltrove is one of very few independent suppliers in a market that is becoming "
            "more important every month,” said the authority's inquiry chair, Fiona Galbraith. "
            "“We are not prepared to see it absorbed into one of the largest cloud providers.”\n"
            "Microsoft agreed to buy Siltrove last autumn. In a statement, the company said it "
            "was “disappointed” and was considering an appeal to the Competition Appeal "
            "Tribunal.\n"
            "Siltrove, which employs about 350 people, said it would continue to operate "
            "independently and that its product plans were unaffected. Its largest shareholder, "
            "a British venture firm, said it remained confident in the company's prospects.\n"
            "The decision is the latest sign that competition authorities are scrutinising big "
            "technology companies' AI deals more closely."
        ),
        relevant=True,
        kind="deal",
        actor="Microsoft",
        target="Siltrove",
        status="blocked",
    ),
    Case(
        id="status-called-off",
        family="deal-status",
        title="Halcyon Software calls off $900M deal for AI forecasting startup Pennant Labs",
        body=(
            "Halcyon Software has called off its agreed $900 million acquisition of Pennant "
            "Labs, a startup that uses machine learning to forecast demand for retailers and "
            "manufacturers, the two companies said in a joint statement on Monday.\n"
            "The companies said they had “mutually agreed to terminate” the merger agreement, "
            "signed in February, after failing to resolve differences over how Pennant's "
            "products would be combined with Halcyon's supply-chain planning suite. Halcyon will "
            "pay Pennant a $35 million termination fee.\n"
            "People familiar with the matter said the relationship soured after Pennant missed "
            "its revenue targets for two consecutive quarters, prompting Halcyon to seek a lower "
            "price that Pennant's board rejected.\n"
            "“We continue to believe in AI-driven planning, and we will pursue it through our "
            "own development and partnerships,” Halcyon chief executive Gordon Wilde said on a "
            "call with investors.\n"
            "Pennant, based in Atlanta, said it had enough cash to operate for more than two "
            "years and would continue to serve its roughly 150 customers. Chief executive Alina "
            "Petrescu told employees the company would remain independent.\n"
            "Halcyon shares rose 4% after the announcement, as some investors had viewed the "
            "price as too high."
        ),
        relevant=True,
        kind="deal",
        actor="Halcyon Software",
        target="Pennant Labs",
        status="off",
    ),
    Case(
        id="fa-layoffs-after-deal",
        family="false-alarm-layoffs-after-deal",
        title="Rendmark cuts 180 jobs and offers buy-outs weeks after closing AI deal",
        body=(
            "Rendmark, the marketing-software company, is laying off 180 employees, about 8% of "
            "its workforce, and offering voluntary buy-outs to hundreds more, according to a "
            "memo sent to staff on Tuesday.\n"
            "The cuts fall mostly on sales, customer support and marketing, and come less than a "
            "month after Rendmark completed its purchase of Cobalt Verse, a startup that "
            "generates ad copy and images. Chief executive Teresa Hale wrote that the company "
            "needed to “reshape our cost base for the way we will work from now on”.\n"
            "Employees who are leaving will receive 12 weeks of base pay plus an extra week for "
            "each year of service, and health coverage through the end of the year. The buy-out "
            "offer, open to staff in operations and finance with at least five years at the "
            "company, expires at the end of the month.\n"
            "Several employees said the announcement came as a shock after Hale told an "
            "all-hands meeting in the spring that no broad cuts were planned. “People are angry "
            "mostly about the timing,” one said, asking not to be named.\n"
            "Rendmark has struggled with slowing growth as customers cut marketing budgets, and "
            "its shares have fallen by about a third over the past year. The company said it "
            "expects a restructuring charge of $22 million to $26 million in the current "
            "quarter.\n"
            "The layoffs add to a wave of cuts across the software industry, where companies are "
            "trimming staff while insisting that new automation tools will make up the "
            "difference."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-hiring-freeze",
        family="false-alarm-hiring-freeze",
        title="After a year of aggressive recruiting, Ossory AI freezes hiring",
        body=(
            "Ossory AI has frozen hiring across most of the company, according to an internal "
            "message from its chief operating officer, months after a recruiting spree that "
            "roughly doubled its headcount.\n"
            "The freeze covers all roles except a small number of positions in security and "
            "infrastructure, the message said. Offers that have already been accepted will be "
            "honoured, but open requisitions have been closed and recruiters have been told to "
            "stop scheduling interviews.\n"
            "“We grew faster than our ability to absorb people,” chief operating officer Maren "
            "Voss wrote. “We need a period of focus to make sure everyone who is here has a "
            "clear mission.”\n"
            "Ossory, which sells AI tools that automate back-office work in logistics companies, "
            "expanded from about 400 to more than 800 employees over the past year, opening "
            "offices in Dublin and Singapore. Several managers said teams had been created "
            "faster than there were projects for them to work on.\n"
            "The company did not say how long the freeze would last or whether it was "
            "considering job cuts. A spokesperson said Ossory remained “well capitalised” and "
            "that the move was about discipline rather than finances.\n"
            "Other AI companies that spent heavily on staff have also started to slow down, as "
            "investors push for clearer paths to profit."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-share-sale",
        family="false-alarm-share-sale",
        title="SoftBank trims its stake in chipmaker Arcturon, selling $1.1B of shares",
        body=(
            "SoftBank Group has sold about $1.1 billion worth of shares in Arcturon "
            "Semiconductor, reducing its holding in the Nasdaq-listed chip designer from 14% to "
            "just under 11%, according to a regulatory filing on Wednesday.\n"
            "The shares were sold over three trading days at an average price of $87.40. "
            "SoftBank remains Arcturon's largest shareholder and did not explain the sale, "
            "although analysts noted that the Japanese group has been raising cash to fund other "
            "commitments.\n"
            "Arcturon's shares have more than doubled this year on strong demand for its "
            "networking and accelerator chips, which are used in data centres that run AI "
            "models. The stock fell 2% in early trading after the filing was made public.\n"
            "“This looks like portfolio housekeeping after a very strong run,” said Keiko "
            "Arimura, an analyst at Brookvale Securities. “It doesn't say anything about "
            "SoftBank's view of the business.”\n"
            "Arcturon said in a statement that it valued its relationship with SoftBank and that "
            "the sale did not affect any commercial agreements between the companies.\n"
            "SoftBank has reshuffled several of its listed holdings this year, selling shares in "
            "some companies while adding to others."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-compute-contract",
        family="false-alarm-compute-contract",
        title="Lindqvist AI signs $2B deal for GPU capacity with CoreHarbor",
        body=(
            "Lindqvist AI has signed a five-year contract worth about $2 billion with cloud "
            "provider CoreHarbor for access to tens of thousands of graphics processors, the "
            "companies said on Tuesday.\n"
            "Under the agreement, CoreHarbor will reserve capacity for Lindqvist in two new data "
            "centres in Texas and Norway, with the first clusters coming online early next year. "
            "Lindqvist will use the chips to train and run its language models, which it sells "
            "to businesses through a subscription service.\n"
            "The deal involves no equity investment by either side, the companies said. "
            "CoreHarbor has been signing long-term contracts with AI developers to justify the "
            "heavy borrowing it has taken on to build new facilities.\n"
            "“Compute is the single biggest constraint on our roadmap,” Lindqvist chief "
            "executive Henrik Sand said. “Locking in capacity for the next five years lets us "
            "plan our research with much more confidence.”\n"
            "CoreHarbor's shares rose 6% on the news. The company said the contract would add to "
            "its backlog of committed revenue, which it put at more than $9 billion at the end "
            "of the last quarter.\n"
            "Demand for rented AI computing has outstripped supply for much of the past two "
            "years, pushing developers to commit to multiyear contracts well before the hardware "
            "is installed."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-idiom-merge-with-machines",
        family="false-alarm-idiom",
        title="Humans will merge with machines within 20 years, robotics pioneer says",
        body=(
            "Humans will merge with machines within two decades, robotics pioneer Beatrix "
            "Lenhart told an audience at a technology conference in Lisbon on Wednesday, "
            "predicting that brain implants and wearable AI would become as ordinary as "
            "smartphones.\n"
            "Lenhart, who founded one of Europe's first industrial robotics labs and now teaches "
            "at a Swiss university, said the line between people and their tools was already "
            "blurring. “Your phone is an external memory. The next step is to stop keeping it in "
            "your pocket,” she said.\n"
            "She described a future in which people carry personal AI systems that remember "
            "everything they read and hear, translate conversations instantly and eventually "
            "connect directly to the nervous system. Medical implants for paralysis, she argued, "
            "would be the bridge to wider use.\n"
            "Not everyone on stage agreed. Philosopher Tomasz Wrona, who spoke on the same "
            "panel, warned that such a merger would concentrate power in the hands of whoever "
            "controls the software. “The question isn't whether we merge with machines,” he "
            "said. “It's who owns the machines.”\n"
            "Lenhart acknowledged the risks but said regulation should focus on data ownership "
            "rather than trying to slow research. The conference continues through Friday."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-idiom-taps-ai-for-meetings",
        family="false-alarm-idiom",
        title="Tessaline taps AI to take the pain out of meetings",
        body=(
            "Tessaline, the video-conferencing app popular with small businesses, is rolling out "
            "a set of AI features designed to make meetings shorter and easier to catch up on, "
            "the company said on Tuesday.\n"
            "The new tools can produce a summary a few seconds after a call ends, list the "
            "decisions that were made and who agreed to do what, and answer questions such as "
            "“what did finance say about the budget?” for people who joined late or missed the "
            "meeting entirely.\n"
            "An optional “agenda coach” will also warn hosts when a meeting is running over time "
            "on one topic. Tessaline says the features are built on a mix of its own speech "
            "models and a licensed language model from a third-party provider.\n"
            "“Nobody wants more meetings. They want fewer, better ones,” said head of product "
            "Oliver Grant. “If AI can give people back even 20 minutes a day, that's a big "
            "deal.”\n"
            "The features will be included in Tessaline's business plans at no extra cost "
            "starting next month, and available on its free tier with monthly limits. Users will "
            "be able to switch off recording and summaries for individual meetings.\n"
            "Rivals have introduced similar assistants over the past year, making AI note-taking "
            "close to a standard feature in workplace communication software."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-asset-simulator",
        family="false-alarm-asset-purchase",
        title="Marrowby Robotics acquires and open-sources the Fulcrum physics simulator",
        body=(
            "Marrowby Robotics has acquired the rights to Fulcrum, a physics simulation engine "
            "used by researchers to test robot control software, and will release its source "
            "code under an open licence, the company said on Thursday.\n"
            "Fulcrum was developed over more than a decade by Zentrix Engineering, a consultancy "
            "that sold licences to universities and a handful of carmakers. Marrowby bought the "
            "software, its documentation and associated trademarks; no Zentrix employees are "
            "moving to Marrowby, and Zentrix will continue its consulting business.\n"
            "Marrowby did not disclose what it paid. The company said it would publish the code "
            "on a public repository within weeks and fund two engineers to maintain it.\n"
            "“Simulation is shared infrastructure for the whole field,” Marrowby chief "
            "technology officer Hannah Eklund said. “Everyone benefits if the best tools are "
            "free and people can fix the bugs themselves.”\n"
            "Researchers welcomed the move. Fulcrum is known for accurately modelling contact "
            "and friction, which matters for training robots to grasp objects, but its licence "
            "costs had kept it out of reach for many smaller labs.\n"
            "Marrowby, which makes robotic arms for warehouses, said it uses Fulcrum internally "
            "to generate training data for its own grasping models."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-asset-datacentre-gpus",
        family="false-alarm-asset-purchase",
        title="Cygnet Labs buys Ohio data centre campus and 10,000 GPUs",
        body=(
            "Cygnet Labs, which develops AI models for scientific research, has bought a data "
            "centre campus outside Columbus, Ohio, for $410 million and placed an order for "
            "10,000 graphics processors to fill it, the company said on Monday.\n"
            "The 40-acre site, bought from a real estate investment trust, includes two finished "
            "buildings and permits for a third, along with a power agreement with the local "
            "utility for up to 150 megawatts. Cygnet expects the first buildings to be running "
            "its workloads by the end of the year.\n"
            "The chips, ordered from a major supplier, will be delivered in batches over the "
            "next nine months. Cygnet declined to say how much they cost, but industry estimates "
            "put hardware of that kind at several hundred million dollars.\n"
            "“Renting compute made sense when we were small,” said chief executive Laila Amin. "
            "“At our scale, owning the buildings and the chips is cheaper and gives us control "
            "over when we can train.”\n"
            "Cygnet raised $1.3 billion earlier this year and said the purchase would be funded "
            "from that round and from a new equipment loan.\n"
            "Local officials said the project would create about 120 permanent jobs and welcomed "
            "the investment, though some residents have raised concerns about water use."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-non-ai-security-target",
        family="false-alarm-non-ai-target",
        title="AI lab Ennor acquires cybersecurity firm Gatehold",
        body=(
            "Ennor AI, one of the better-funded developers of large language models, has "
            "acquired Gatehold, a company that makes software for managing employee passwords "
            "and access to internal systems, the companies said on Wednesday.\n"
            "Terms were not disclosed. Gatehold, based in Raleigh, North Carolina, has about 110 "
            "employees and sells its tools mainly to mid-sized companies in healthcare and "
            "manufacturing.\n"
            "Ennor said it would use Gatehold's products to tighten controls on who inside the "
            "company can reach sensitive systems, and that the Gatehold team would form the core "
            "of a new corporate security group. Gatehold will keep serving existing customers "
            "for at least two years.\n"
            "“As we have grown, the number of people and systems that need protecting has grown "
            "with us,” Ennor chief operating officer Carla Ruiz said. “Gatehold has spent a "
            "decade solving identity and access for companies like ours.”\n"
            "Gatehold's chief executive, Neil Armitage, will lead the security group and report "
            "to Ruiz.\n"
            "The purchase is Ennor's second this year, following the acquisition of a small "
            "design agency in the spring."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-non-ai-replication-tool",
        family="false-alarm-non-ai-target",
        title="Corbel Data buys database-replication tool maker Copystream",
        body=(
            "Corbel Data, whose platform is best known for helping companies build and run "
            "machine-learning pipelines, has bought Copystream, a small company that makes "
            "software for copying databases between data centres and clouds.\n"
            "Copystream's product keeps copies of databases in sync for backups, disaster "
            "recovery and migrations, for example when a company moves an on-premises system to "
            "a cloud provider. It supports more than 30 database types and is used by about 200 "
            "customers.\n"
            "Corbel said the deal would let it sell backup and migration services alongside its "
            "core product, part of a push into general data management. The price was not "
            "disclosed, but a person familiar with the matter said it was under $50 million.\n"
            "“Migrations are where a lot of projects stall,” Corbel chief executive Bruno "
            "Lacerda said in a blog post. “Copystream has spent eight years making that boring, "
            "which is exactly what customers want.”\n"
            "Copystream's 35 employees will join Corbel's data-integration team. Its founder, "
            "Petra Nyholm, said customers would see no change to pricing this year.\n"
            "Corbel has made several small acquisitions in data management over the past two "
            "years as it tries to sell a broader platform to large companies."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-opinion-background",
        family="false-alarm-opinion-background",
        title="Why the AI boom needs better regulation",
        body=(
            "Every technology boom eventually runs into the question of who writes the rules. "
            "For artificial intelligence, that moment has arrived faster than most lawmakers "
            "expected, and the answer so far has been: mostly the companies themselves.\n"
            "That is not a criticism of any single firm. Voluntary safety commitments, published "
            "model cards and internal review boards are better than nothing. But they are set by "
            "the people with the most to gain from moving quickly, and they can be rewritten "
            "whenever a product deadline looms.\n"
            "Consider how little the public knows about the systems now answering medical "
            "questions, screening job applicants and drafting legal documents. Most developers "
            "do not disclose what data their models were trained on, how they were tested, or "
            "how often they fail.\n"
            "Regulators, meanwhile, are stretched thin. Agencies that oversee consumer "
            "protection, competition and financial services each see a slice of the problem, and "
            "none has the technical staff to examine a frontier model in depth.\n"
            "Better rules would not need to be heavy-handed. Mandatory incident reporting, "
            "independent audits for high-risk uses and clear liability when automated decisions "
            "cause harm would go a long way.\n"
            "Concentration is another worry. Last year Google invested $2 billion in Aldergrove "
            "Labs, and similar tie-ups between cloud providers and model developers have become "
            "routine. Those arrangements may be perfectly legal, but they make it harder to tell "
            "where one company's influence ends and another's begins.\n"
            "None of this should slow useful research. It should make the benefits easier to "
            "trust. The industry often says it wants clear rules; now is the moment to take it "
            "at its word."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-vc-led-round",
        family="false-alarm-vc-round",
        title="Mosswater raises $45M to build AI agents for accountants",
        body=(
            "Mosswater, a startup building AI agents that handle bookkeeping and month-end close "
            "work for accounting firms, has raised $45 million in a Series B round led by "
            "Larchmont Ventures.\n"
            "Existing investors Bellhaven Capital and Ninefold Partners also joined, bringing "
            "Mosswater's total funding to $68 million. The company did not disclose its "
            "valuation.\n"
            "Founded in 2022 by former auditors Ines Calloway and Omar Bashir, Mosswater's "
            "software reconciles bank transactions, categorises expenses and drafts journal "
            "entries for review by a human accountant. The company says its customers, mostly "
            "small and mid-sized firms, cut the time spent closing the books by about half.\n"
            "“Accounting firms can't hire enough people, and the work that burns out junior "
            "staff is exactly the work software should do,” Calloway said.\n"
            "Larchmont partner Evan Riis will join Mosswater's board. “We looked at a dozen "
            "companies in this space, and Mosswater's customers were the only ones who told us "
            "they'd be lost without it,” he said.\n"
            "Mosswater plans to use the new money to grow its team from 55 to about 120 people "
            "and to expand into tax preparation. Accounting software startups have drawn a "
            "flurry of venture funding this year."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-launch-after-deal",
        family="false-alarm-launch-after-deal",
        title="Harlow Health launches AI scribe for small clinics",
        body=(
            "Harlow Health on Tuesday launched an AI scribe that listens to doctor-patient "
            "visits and writes up clinical notes, aiming the product at small practices that "
            "cannot afford the tools sold to large hospital systems.\n"
            "The scribe drafts a structured note within a minute of the visit ending, suggests "
            "billing codes and flags any medications mentioned in the conversation that conflict "
            "with a patient's record. Doctors review and sign off on every note before it is "
            "saved.\n"
            "The product builds on technology Harlow gained when it acquired Notewell, a speech "
            "startup, last year. Harlow says the scribe has been tested in 40 clinics over the "
            "past six months, where doctors reported saving about an hour a day on paperwork.\n"
            "“Family doctors spend their evenings typing,” said Harlow chief medical officer Dr. "
            "Renata Moss. “If we can give those hours back, that is the best thing we can do for "
            "burnout.”\n"
            "The scribe costs $199 per clinician a month and works with four widely used "
            "electronic health record systems. Harlow said patient recordings are deleted once a "
            "note is signed.\n"
            "Privacy advocates have urged clinics to obtain explicit consent before recording "
            "visits, and Harlow said its software prompts doctors to do so at the start of each "
            "appointment."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-earnings-deal-one-line",
        family="false-alarm-earnings",
        title="Brindle Software's revenue beats forecasts as AI add-ons lift subscriptions",
        body=(
            "Brindle Software reported second-quarter revenue of $612 million on Thursday, up "
            "18% from a year earlier and ahead of the $595 million analysts had expected, as "
            "more customers paid for its AI add-ons.\n"
            "Adjusted earnings came to 74 cents a share, compared with forecasts of 66 cents. "
            "The company raised its full-year revenue guidance to between $2.45 billion and "
            "$2.48 billion, from a previous range of $2.40 billion to $2.44 billion.\n"
            "Subscriptions that include Brindle's AI assistant grew to 31% of new contracts, up "
            "from 19% in the previous quarter, chief financial officer Walter Pike told "
            "analysts. Churn was steady, and net revenue retention ticked up to 116%.\n"
            "The quarter included a small contribution from Quanta Lane, the AI startup Brindle "
            "acquired in April.\n"
            "“Customers are no longer experimenting. They are rolling AI out to whole "
            "departments and paying for it,” chief executive Sabine Roth said.\n"
            "Brindle shares rose 9% in after-hours trading. Operating margin improved to 24% as "
            "the company held headcount roughly flat, and it announced a new $500 million share "
            "buyback."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
    Case(
        id="fa-lawsuit-backed-startup",
        family="false-alarm-lawsuit",
        title="Authors sue Amazon-backed AI startup Verity Loom over training data",
        body=(
            "A group of novelists and nonfiction writers has sued Verity Loom, the Amazon-backed "
            "developer of AI writing models, alleging that the company trained its systems on "
            "pirated copies of their books.\n"
            "The proposed class action, filed on Monday in federal court in San Francisco, "
            "claims Verity Loom downloaded hundreds of thousands of books from unauthorised "
            "online libraries and used them without permission or payment. The plaintiffs are "
            "seeking damages and an order requiring the company to destroy models trained on the "
            "material.\n"
            "“Our work was taken wholesale to build a product that competes with us,” said "
            "thriller writer Dominic Farrow, one of the named plaintiffs.\n"
            "Verity Loom said in a statement that it believed its training practices were lawful "
            "and that it would defend itself vigorously. Amazon, which is not named as a "
            "defendant, did not respond to a request for comment.\n"
            "The lawsuit is one of dozens filed by authors, artists and publishers against AI "
            "developers over the use of copyrighted material. Courts have so far reached mixed "
            "conclusions on whether such training counts as fair use.\n"
            "Verity Loom, founded in 2021, sells models that help businesses draft marketing "
            "copy, reports and customer emails."
        ),
        relevant=False,
        kind=None,
        actor=None,
        target=None,
    ),
)
