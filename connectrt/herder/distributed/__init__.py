"""Distributed mode: the worker group protocol, assignors and group membership.

- :mod:`.protocol`: Java-identical member metadata / assignment codecs and protocol names.
- :mod:`.assignment`: the assignors' data (``ConfigView``, ``ClusterAssignment``, ``LeaderState``).
- :mod:`.assignor`: the eager and incremental cooperative assignors (pure, deterministic).
- :mod:`.coordinator`: the :class:`GroupMember` interface and ``KafkaGroupMember`` on kafka-python.
- :mod:`.client_config`: worker client properties -> kafka-python client settings.
- :mod:`.fake`: an in-memory group of fake members and a recording listener, for unit tests.
"""
