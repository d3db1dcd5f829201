"""Cluster mode: several ``newswatch run`` nodes share one PostgreSQL database and its job queue.

With ``[service] cluster = true`` every node runs the same command on the same config file, and
Procrastinate (a PostgreSQL job queue with an asyncio worker) carries the work between them, on the
loop Scrapy's reactor drives: one periodic dispatcher defers a crawl job per due source (with a
queueing lock and a lock per source), an idempotency ledger of ``(source, slot)`` keeps a retried
job from crawling a slot twice, nodes heartbeat into ``cluster_nodes``, and a periodic task retries
the jobs of workers whose heartbeat stopped. :mod:`~scheduler.cluster.service` is the node;
:mod:`~scheduler.cluster.queue_schema` the queue's schema; :mod:`~scheduler.cluster.ledger` the
shared tables; :mod:`~scheduler.cluster.slot_batches` gathers the ledger writes of crawl jobs that
run together; :mod:`~scheduler.cluster.slots` the pure cadence arithmetic.
"""
