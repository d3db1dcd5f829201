"""The ``newswatch`` subcommands, one module each.

Each module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a function
``(args) -> int`` (the exit code). :mod:`scheduler.cli` lists the modules explicitly; what
several commands share is in :mod:`scheduler.commands._common`.
"""
