"""Helpers the tests and the bench share, one module per concern.

``broker`` (a broker shared by concurrent test sessions), ``serve`` (the pipeline: private
brokers, publishing, reading back, ``casehub serve`` as a subprocess), ``cluster`` (the
three-node cluster's fault tests), ``codec`` (hypothesis strategies for the command contract),
``security`` (the provisioned sasl broker), ``consumers`` (the demo story lived in memory, the
view store contract).
"""
