"""newswatch's alerts: how matches go out.

One notifier per channel kind (``slack``, ``email``, ``webhook``, ``console``) behind one small
interface (:mod:`alerts.notifier`), listed in :mod:`alerts.registry` and raising
:mod:`alerts.errors`; rendering for each medium; and the durable outbox dispatcher that delivers
every match at least once. This package never imports :mod:`scheduler`; the channel configs and
the store are handed to it.
"""
