"""``casehub privacy hub-keygen``: the hub's key pair for sealed personal data.

Writes the private key (mode 0600, default ``<data_dir>/keys/hub-sealing.key``) and the public
key agencies seal with (``hub-sealing.pub`` beside it). If another module already registered a
``privacy`` group, the sub-command joins it; otherwise this module creates a minimal one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.privacy.sealing import default_key_paths, generate_key_files
from hub.settings import Settings


def register(subparsers: Any) -> None:
    group = subparsers.choices.get("privacy")
    if group is None:
        group = subparsers.add_parser("privacy", help="personal data: sealing keys")
        sub = group.add_subparsers(dest="privacy_command", metavar="SUBCOMMAND")
        sub.required = True
    else:  # the group of hub.privacy's own CLI: add to its sub-commands
        sub = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001 - argparse exposes no getter
    add_commands(sub)


def add_commands(sub: Any) -> None:
    """Add ``hub-keygen`` to a ``privacy`` group's sub-commands."""
    keygen = sub.add_parser(
        "hub-keygen",
        help="create the hub's key pair that agencies seal personal data with",
        description="Write the hub's X25519 private key (mode 0600) and the public key file "
        "to hand to agencies (their setting hub_public_key_file).",
    )
    keygen.add_argument(
        "--private", type=Path, help="private key file (default <data_dir>/keys/hub-sealing.key)"
    )
    keygen.add_argument(
        "--public", type=Path, help="public key file (default: beside the private key, .pub)"
    )
    keygen.add_argument(
        "--force",
        action="store_true",
        help="replace an existing private key (keep a copy: values sealed for it need it)",
    )
    keygen.set_defaults(func=cmd_hub_keygen)


def cmd_hub_keygen(args: argparse.Namespace, settings: Settings) -> int:
    default_private, _ = default_key_paths(settings.data_dir)
    private: Path = args.private or default_private
    public: Path = args.public or private.with_suffix(".pub")
    key_id = generate_key_files(private, public, force=args.force)
    print(f"hub sealing key {key_id}")
    print(f"  private: {private} (mode 0600; the hub's setting hub_sealing_key_file)")
    print(f"  public:  {public} (give to agencies: their setting hub_public_key_file)")
    return 0
