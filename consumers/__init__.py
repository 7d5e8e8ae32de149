"""Projections of the hub's outbound topics into audit views."""
