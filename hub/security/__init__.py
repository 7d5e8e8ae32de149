"""Who may connect to the hub's Kafka and what each principal may do there.

* ``acls``: the ACLs the directory implies (``acls_for``), a pure function;
* ``credentials``: passwords from the environment or a private file, never from code or logs;
* ``admin``: applies ACLs and SCRAM credentials through librdkafka's admin client
  (``hub.kafka.security``);
* ``cli``: ``casehub security plan|apply|credentials``.

Connection settings for every client (TLS, SASL) are checked in ``connection`` and spelt by
``hub.kafka.config`` (the hub's, librdkafka) and ``hub.publish.connection`` (the SDK's,
kafka-python); so this package imports nothing eagerly (``acls`` imports ``hub.topics``).
Import from the modules.
"""
