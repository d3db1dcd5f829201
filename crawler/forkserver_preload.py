"""Imported by the extraction pool's fork server only (``set_forkserver_preload``): the fork
server dies with the service that started it.

The fork server exits by itself only when every holder of its "alive" pipe is gone, and the
workers hold it too, while they wait for the fork server to die (:mod:`crawler.worker_life`): after
a SIGKILL of the service each would wait for the other forever. Importing this module asks the
kernel to SIGKILL the fork server when the service dies; nothing else should import it.
"""

from __future__ import annotations

from crawler.worker_life import die_with_parent

die_with_parent()
