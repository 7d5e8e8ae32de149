"""The local Kafka broker for development and tests (``casehub broker up|down|status``).

Three profiles, each run from the jars Maven fetches into ``deploy/kafka/lib``:

* ``single``: one combined broker+controller, PLAINTEXT (the default; what tests and the demo use);
* ``sasl``: one combined node with SCRAM-SHA-512 authentication and the StandardAuthorizer,
  on SASL_PLAINTEXT and (with a generated development CA, ``devkit.broker.tls``) SASL_SSL;
* ``cluster``: three combined nodes, replication factor 3, ``min.insync.replicas=2``; one
  node can be stopped, killed and started again (``--node N``) while the others run.
"""

from __future__ import annotations

from devkit.broker.config import PROFILES, NodeSpec, Profile, cluster_spec, sasl_credentials
from devkit.broker.local import (
    BrokerStatus,
    broker_down,
    broker_status,
    broker_up,
    client_config,
    kill_node,
    profile_settings,
)

__all__ = [
    "PROFILES",
    "BrokerStatus",
    "NodeSpec",
    "Profile",
    "broker_down",
    "broker_status",
    "broker_up",
    "client_config",
    "cluster_spec",
    "kill_node",
    "profile_settings",
    "sasl_credentials",
]
