"""Distributed mode: the distributed herder, its helpers, the worker group protocol and membership.

- :mod:`.herder`: ``DistributedHerder``, one worker of a cluster (Java's DistributedHerder): the
  herder thread's tick loop, rebalance callbacks, the request queue and every REST operation.
- :mod:`.interfaces`: what the herder's helpers may use of it (``HerderForWork``,
  ``HerderForFencing``, ``HerderForConfigEvents``, ``HerderForLeadership``); the helpers import it, never the herder.
- :mod:`.work`: ``WorkManager``, the connectors and tasks this worker runs (start, stop, restart,
  task reconfiguration, task configs sent to the leader).
- :mod:`.fencing`: ``ZombieFencer``, zombie fencing of exactly-once source tasks (KIP-618).
- :mod:`.leadership`: ``LeaderDuties``, what only the leader does (session key, config-topic write
  privileges, statuses of deleted connectors, connectors the protocol cannot carry).
- :mod:`.config_events`: ``ConfigEvents``, config-topic updates collected for the herder thread.
- :mod:`.leader_client`: ``LeaderClient``, how the helpers send signed requests to the leader
  (``HttpLeaderClient`` on httpx).
- :mod:`.protocol`: Java-identical member metadata / assignment codecs and protocol names.
- :mod:`.assignment`: the assignors' data (``ConfigView``, ``ClusterAssignment``, ``LeaderState``).
- :mod:`.assignor`: the eager and incremental cooperative assignors (pure, deterministic).
- :mod:`.coordinator`: the :class:`GroupMember` interface and ``KafkaGroupMember`` on kafka-python
  (its client settings come from :mod:`connectrt.kafka.python_client`).
- :mod:`.fake`: an in-memory group of fake members and a recording listener, for unit tests.
"""
