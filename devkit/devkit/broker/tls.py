"""A local certificate authority and a broker certificate for the sasl profile's SASL_SSL port.

Generated with the ``openssl`` command line (present wherever Kafka's JVM is; the hub does not
depend on ``cryptography``) into ``<data dir>/kafka/sasl/tls/``, which ``casehub broker down
--wipe`` removes with the rest of the profile. For development and tests only: a production
broker gets its certificate from the organisation's CA.

Files (every one mode 0600 except the CA certificate, which clients need):

* ``ca.pem``: the CA certificate: give it to clients as ``CASEHUB_KAFKA_SSL_CAFILE``;
* ``ca-key.pem``: the CA's private key (signs the broker certificate, nothing else);
* ``broker-keystore.pem``: the broker's certificate chain and its PKCS#8 private key,
  encrypted with the password in ``broker-key.password``; Kafka reads it as a ``PEM`` key
  store (``ssl.keystore.type=PEM``, ``ssl.key.password``). The key is encrypted with PKCS#12's
  ``PBE-SHA1-3DES`` because Java 17's ``EncryptedPrivateKeyInfo`` cannot read PBES2 (AES)
  ("PBES2 SecretKeyFactory not available"). The file is mode 0600 as well;
* ``hosts``: the names the broker certificate is valid for; a different host regenerates it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import SetupError

#: Long enough for a development machine, short enough that nobody mistakes it for production.
VALID_DAYS = 825
_EC_CURVE = "prime256v1"


@dataclass(frozen=True)
class BrokerTls:
    """Where a profile's CA and broker key store live."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def keystore(self) -> Path:
        return self.directory / "broker-keystore.pem"

    @property
    def key_password_file(self) -> Path:
        return self.directory / "broker-key.password"

    @property
    def hosts_file(self) -> Path:
        return self.directory / "hosts"

    def key_password(self) -> str:
        """The broker key's password, or "" before ``ensure`` generated it."""
        try:
            return self.key_password_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return ""

    def ready_for(self, hosts: list[str]) -> bool:
        files = (self.ca_cert, self.ca_key, self.keystore, self.key_password_file)
        if not all(f.exists() for f in files) or not self.hosts_file.exists():
            return False
        return self.hosts_file.read_text(encoding="utf-8").split() == hosts

    def ensure(self, hosts: list[str]) -> bool:
        """Generate the CA and broker certificate unless present for ``hosts``; True if made."""
        if self.ready_for(hosts):
            return False
        openssl = shutil.which("openssl")
        if openssl is None:
            raise SetupError(
                "openssl is not on PATH; the sasl profile's SASL_SSL port needs it to make a "
                "development certificate (Debian: apt-get install openssl)"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        with tempfile.TemporaryDirectory(dir=self.directory) as scratch:
            self._generate(openssl, Path(scratch), hosts)
        return True

    def _generate(self, openssl: str, scratch: Path, hosts: list[str]) -> None:
        ca_key, ca_cert = scratch / "ca-key.pem", scratch / "ca.pem"
        key, csr, cert = scratch / "broker.key", scratch / "broker.csr", scratch / "broker.pem"
        encrypted, password = scratch / "broker-key.enc.pem", scratch / "broker-key.password"
        ext = scratch / "broker.ext"
        newkey = ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{_EC_CURVE}"]
        _run(
            openssl,
            "req", "-x509", *newkey, "-nodes", "-keyout", ca_key, "-out", ca_cert,
            "-days", str(VALID_DAYS), "-subj", "/O=CaseHub development/CN=CaseHub development CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        _run(
            openssl,
            "req", "-new", *newkey, "-nodes", "-keyout", key, "-out", csr,
            "-subj", f"/O=CaseHub development/CN={hosts[0]}",
        )  # fmt: skip
        ext.write_text(
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            f"subjectAltName={','.join(_san(h) for h in hosts)}\n",
            encoding="ascii",
        )
        _run(
            openssl,
            "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", str(VALID_DAYS), "-sha256", "-extfile", ext,
        )  # fmt: skip
        _write_secret(password, secrets.token_urlsafe(24) + "\n")
        _run(
            openssl,
            "pkcs8", "-topk8", "-in", key, "-out", encrypted,
            "-v1", "PBE-SHA1-3DES", "-passout", f"file:{password}",
        )  # fmt: skip
        keystore = scratch / "broker-keystore.pem"
        _write_secret(
            keystore,
            cert.read_text(encoding="ascii")
            + ca_cert.read_text(encoding="ascii")
            + encrypted.read_text(encoding="ascii"),
        )
        ca_key.chmod(0o600)
        ca_cert.chmod(0o644)
        # Move into place; the hosts stamp last, so a half-made set is never taken as ready.
        self.hosts_file.unlink(missing_ok=True)
        for name in ("ca-key.pem", "ca.pem", "broker-keystore.pem", "broker-key.password"):
            (scratch / name).replace(self.directory / name)
        self.hosts_file.write_text(" ".join(hosts) + "\n", encoding="utf-8")


def _san(host: str) -> str:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"DNS:{host}"
    return f"IP:{host}"


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def _run(openssl: str, *args: str | Path) -> None:
    result = subprocess.run(
        [openssl, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()] or ["no output"]
        raise SetupError(
            f"openssl {args[0]} failed (exit {result.returncode}) while making the development "
            f"certificate: {lines[-1].strip()}"
        )
