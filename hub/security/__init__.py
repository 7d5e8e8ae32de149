"""Who may connect to the hub's Kafka and what each principal may do there.

* ``acls``: the ACLs the directory implies (``acls_for``), a pure function;
* ``credentials``: passwords from the environment or a private file, never from code or logs;
* ``admin``: applies ACLs and SCRAM credentials through kafka-python's admin client;
* ``cli``: ``casehub security plan|apply|credentials``.

Connection settings for every client (TLS, SASL) are built in ``hub.kafka_config``, which
imports ``credentials``; so this package imports nothing eagerly (``hub.topics`` may import
``hub.kafka_config``, and ``acls`` imports ``hub.topics``). Import from the modules.
"""
