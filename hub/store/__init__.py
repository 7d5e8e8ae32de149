"""The event store as the operator handles it: its key, backups, restores and key rotation.

``keys`` turns the settings into eventsourcing's AES cipher (``CIPHER_TOPIC``/``CIPHER_KEY``)
and checks at start that the configured key opens what is stored; ``sqlite`` and
``postgres`` back up, restore and re-encrypt each backend; ``cli`` is ``casehub store``.
"""
