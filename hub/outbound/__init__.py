"""The outbound contract: what the hub publishes about each stored event, and how it reads back.

One owner for what the relay writes and what the views and the audit tools read:

* ``hub.outbound.envelope``: the fields every stored event carries around its payload, and the
  split of a stored event into the two;
* ``hub.outbound.recipients``: which agencies an event reaches (the case's participants after
  it, plus the agencies it names), the rule the relay's feeds and the views' access checks share;
* ``hub.outbound.timeline``: the ``casehub.hub.TimelineEvent`` record the relay builds for a case
  or directory event, and ``TimelineEntry``, what a projection or an audit tool reads back;
* ``hub.outbound.deadletter``: ``DeadLetterEntry``, a rejection as a projection reads it;
* ``hub.outbound.receipt``: the ``casehub.hub.Receipt`` records (ACCEPTED, DUPLICATE,
  REJECTED) the relay puts on a sender's feed, and ``ReceiptEntry``, a receipt read back;
* ``hub.outbound.wire``: a ``casehub.timeline`` or ``casehub.deadletter`` value, or a receipt,
  decoded into its entry;
* ``hub.outbound.store``: the same entries read straight from the event store (what the relay
  would publish), for replays and the auditor's reconciliation.

``envelope``, ``recipients``, ``timeline``, ``deadletter`` and ``receipt`` import nothing of
the domain, of Kafka or of Avro, so anything may import them (the relay, the views, the audit
tools, access control); ``wire`` adds the codec, ``store`` the domain's event classes. The
package itself imports none of its modules.
"""
