"""Distributed mode: the worker group protocol, assignors and group membership.

- :mod:`.protocol`: Java-identical metadata/assignment codecs and protocol names.
- :mod:`.assignor`: the eager and incremental cooperative assignors (pure, deterministic).
- :mod:`.coordinator`: the :class:`GroupMember` interface and its kafka-python implementation.
- :mod:`.fake`: an in-memory group of fake members for herder unit tests.
"""
