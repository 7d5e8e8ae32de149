"""The web console: server-rendered pages over the hub and its views (docs/console.md).

The highest layer: it may import ``hub`` and ``consumers``; neither imports it. It reads the
hub and never writes the event store; its own store (accounts, sessions) and the read log are
files of their own beside the hub's.
"""
