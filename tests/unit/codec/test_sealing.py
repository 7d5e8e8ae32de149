"""Personal data sealed for the hub: the publisher seals each PII field, the hub opens it.

The agency topic carries ``sealed:v1:…`` in place of names and identity numbers; the hub opens
them before the record becomes a command (so the content hash is the unsealed content's), and
refuses what it cannot open or, when configured, plaintext.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import stat
import uuid

import pytest
from structlog.testing import capture_logs

from hub.cases.commands import Inbound, Origin, Undecodable
from hub.cli import main
from hub.codec import codec as codec_module
from hub.codec import (
    command_content_hash,
    command_from_json,
    command_to_record,
    decode_inbound,
    default_catalog,
    encode_command,
)
from hub.codec.examples import example_json
from hub.codec.sealed import (
    SealingPolicy,
    personal_values,
    plaintext_counts,
    publisher_key,
    sealing_policy,
)
from hub.errors import SetupError
from hub.logging import get_logger
from hub.privacy.sealing import (
    SEALED_PREFIX,
    HubSealingKeys,
    UnsealableValue,
    generate_key_files,
    load_public_key,
    load_sealing_keys,
)
from hub.publish import AgencyPublisher
from hub.publish import publisher as publisher_module
from hub.settings import Settings

AGENCY = "justice-bureau"
TOPIC = f"casehub.agency.{AGENCY}.events"
NAMES = ("张三丰 (fictional)", "Li Siyuan (fictional)")
ID_NUMBERS = ("110101199003071234", "440301198512125678")


def _dispute(event_id: uuid.UUID | None = None):
    obj = example_json("DisputeOpened")
    obj["header"]["event_id"] = str(event_id or uuid.uuid4())
    obj["parties"] = [
        {"name": NAMES[0], "role": "applicant", "id_number": ID_NUMBERS[0]},
        {"name": NAMES[1], "role": "third-party", "id_number": ID_NUMBERS[1]},
    ]
    return command_from_json(obj)


def _header_of(agency: str, *, case: bool) -> dict:
    header = example_json("CaseRegistered")["header"]
    header["sender_agency"] = agency
    if case:
        header["case_ref"] = {"owning_agency": agency, "case_number": "J-1"}
    return header


def _officer():
    obj = example_json("OfficerRegistered")
    obj["header"]["sender_agency"] = AGENCY
    obj["name"] = NAMES[0]
    return command_from_json(obj)


@pytest.fixture
def fresh_loggers(monkeypatch):
    """Module loggers that see ``capture_logs``: a logger cached under an earlier
    ``configure_logging`` (another test ran the CLI) keeps that configuration's processors."""
    for module in (codec_module, publisher_module):
        monkeypatch.setattr(module, "log", get_logger(module.__name__))


@pytest.fixture(scope="module")
def hub_keys(tmp_path_factory) -> tuple[HubSealingKeys, os.PathLike[str], os.PathLike[str]]:
    folder = tmp_path_factory.mktemp("keys")
    private, public = folder / "hub-sealing.key", folder / "hub-sealing.pub"
    generate_key_files(private, public)
    return load_sealing_keys([private]), private, public


@pytest.fixture(scope="module")
def other_keys(tmp_path_factory) -> HubSealingKeys:
    folder = tmp_path_factory.mktemp("other")
    generate_key_files(folder / "k", folder / "k.pub")
    return load_sealing_keys([folder / "k"])


def _origin(offset: int = 7) -> Origin:
    return Origin(TOPIC, 1, offset)


def _contains_personal_data(raw: bytes) -> list[str]:
    return [v for v in (*NAMES, *ID_NUMBERS) if v.encode() in raw]


class TestSealedValue:
    def test_round_trip_restores_the_value_and_hides_it(self, hub_keys):
        """A sealed value opens to the original; the sealed text does not contain it."""
        keys, _, _ = hub_keys
        sealed = keys.public.seal(NAMES[0], "casehub.events.DisputeOpened", "parties[0].name")
        assert sealed.startswith(SEALED_PREFIX)
        assert NAMES[0] not in sealed
        assert keys.open(sealed, "casehub.events.DisputeOpened", "parties[0].name") == NAMES[0]

    def test_each_sealing_is_fresh(self, hub_keys):
        """Sealing the same value twice gives different text (a fresh ephemeral key each time)."""
        keys, _, _ = hub_keys
        one = keys.public.seal("x", "T", "name")
        two = keys.public.seal("x", "T", "name")
        assert one != two

    def test_another_key_is_named_in_the_refusal(self, hub_keys, other_keys):
        """A value sealed for another hub key is refused, naming both key ids."""
        keys, _, _ = hub_keys
        sealed = other_keys.public.seal("x", "T", "name")
        with pytest.raises(UnsealableValue, match=other_keys.key_ids[0]) as caught:
            keys.open(sealed, "T", "name")
        assert keys.key_ids[0] in str(caught.value)
        assert caught.value.code == "unsealable_personal_data"

    @pytest.mark.parametrize("position", [0, 8, 40, 52, -1])
    def test_any_altered_byte_is_refused(self, hub_keys, position):
        """Flipping one byte anywhere (key id, ephemeral key, nonce, ciphertext, tag) is caught."""
        keys, _, _ = hub_keys
        sealed = keys.public.seal("secret", "T", "name")
        text = sealed[len(SEALED_PREFIX) :]
        blob = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        blob[position] ^= 0x01
        altered = SEALED_PREFIX + base64.urlsafe_b64encode(bytes(blob)).rstrip(b"=").decode()
        with pytest.raises(UnsealableValue):
            keys.open(altered, "T", "name")

    def test_a_value_moved_to_another_field_or_event_type_is_refused(self, hub_keys):
        """The event type and field path are bound to the value (associated data)."""
        keys, _, _ = hub_keys
        sealed = keys.public.seal(
            ID_NUMBERS[0], "casehub.events.DisputeOpened", "parties[0].id_number"
        )
        with pytest.raises(UnsealableValue, match=r"parties\[1\]\.id_number"):
            keys.open(sealed, "casehub.events.DisputeOpened", "parties[1].id_number")
        with pytest.raises(UnsealableValue):
            keys.open(sealed, "casehub.events.OfficerRegistered", "parties[0].id_number")

    @pytest.mark.parametrize("text", ["sealed:v1:***", "sealed:v1:AAAA", "sealed:v1:"])
    def test_malformed_sealed_text_is_refused(self, hub_keys, text):
        """Text that is not base64url or too short to be a sealed value gets a clear refusal."""
        keys, _, _ = hub_keys
        with pytest.raises(UnsealableValue, match="name: the sealed value"):
            keys.open(text, "T", "name")


class TestKeyFiles:
    def test_keygen_writes_a_private_key_only_its_owner_reads(self, tmp_path):
        """The private key file is mode 0600; the public one loads as the hub's key."""
        private, public = tmp_path / "keys" / "hub.key", tmp_path / "keys" / "hub.pub"
        key_id = generate_key_files(private, public)
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert load_public_key(public).key_id == key_id
        assert load_sealing_keys([private]).key_ids == [key_id]

    def test_keygen_never_overwrites_a_key_unless_forced(self, tmp_path):
        """Replacing the key would make every value sealed for it unreadable: refused."""
        private, public = tmp_path / "hub.key", tmp_path / "hub.pub"
        first = generate_key_files(private, public)
        with pytest.raises(SetupError, match="already exists"):
            generate_key_files(private, public)
        assert load_sealing_keys([private]).key_ids == [first]
        assert generate_key_files(private, public, force=True) != first

    def test_missing_or_wrong_key_files_get_a_clear_error(self, tmp_path, hub_keys):
        """A missing file, or a public key where the private one belongs: SetupError naming it."""
        _, private, public = hub_keys
        with pytest.raises(SetupError, match=r"does not exist.*hub-keygen"):
            load_sealing_keys([tmp_path / "nope.key"])
        with pytest.raises(SetupError, match=re.escape(str(public))):
            load_sealing_keys([public])
        with pytest.raises(SetupError, match=re.escape(str(private))):
            load_public_key(private)

    def test_cli_hub_keygen_writes_under_the_data_dir(self, tmp_path, monkeypatch, capsys):
        """`casehub privacy hub-keygen` writes <data_dir>/keys/hub-sealing.{key,pub}."""
        monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
        assert main(["privacy", "hub-keygen"]) == 0
        private = tmp_path / "keys" / "hub-sealing.key"
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert (tmp_path / "keys" / "hub-sealing.pub").is_file()
        assert "hub sealing key" in capsys.readouterr().out
        assert main(["privacy", "hub-keygen"]) == 2  # a second run refuses to overwrite


class TestSettings:
    def test_the_default_key_file_is_used_when_present(self, tmp_path):
        """With no setting, <data_dir>/keys/hub-sealing.key is the hub's key if it exists."""
        settings = Settings(data_dir=tmp_path)
        assert sealing_policy(settings).keys is None
        generate_key_files(tmp_path / "keys" / "hub-sealing.key", tmp_path / "keys" / "p.pub")
        assert sealing_policy(settings).keys is not None

    def test_a_named_key_file_that_is_missing_is_an_error(self, tmp_path):
        """A configured but missing key file stops the hub instead of rejecting every event."""
        settings = Settings(data_dir=tmp_path, hub_sealing_key_file=str(tmp_path / "k"))
        with pytest.raises(SetupError, match="does not exist"):
            sealing_policy(settings)

    def test_an_old_key_listed_after_the_new_one_still_opens(self, tmp_path, hub_keys):
        """Rotation: values sealed for the previous key open while agencies move over."""
        old, old_private, _ = hub_keys
        generate_key_files(tmp_path / "new.key", tmp_path / "new.pub")
        settings = Settings(hub_sealing_key_file=f"{tmp_path / 'new.key'},{old_private}")
        policy = sealing_policy(settings)
        assert policy.keys is not None
        assert policy.keys.public.key_id != old.public.key_id
        assert policy.keys.open(old.public.seal("v", "T", "f"), "T", "f") == "v"

    def test_publisher_key_comes_from_hub_public_key_file(self, hub_keys, tmp_path):
        """The publisher's key is the file in hub_public_key_file; none configured: None."""
        keys, _, public = hub_keys
        assert publisher_key(Settings()) is None
        got = publisher_key(Settings(hub_public_key_file=str(public)))
        assert got is not None
        assert got.key_id == keys.public.key_id
        with pytest.raises(SetupError, match="does not exist"):
            publisher_key(Settings(hub_public_key_file=str(tmp_path / "missing.pub")))


class TestHubDecode:
    def test_sealed_event_decodes_to_the_same_command_without_plaintext_on_the_wire(self, hub_keys):
        """No name or ID number in the bytes; the hub gets the original command back."""
        keys, _, _ = hub_keys
        for command in (_dispute(), _officer()):
            raw = encode_command(command, sealer=keys.public)
            assert _contains_personal_data(raw) == []
            got = decode_inbound(raw, _origin(), None, sealing=SealingPolicy(keys))
            assert isinstance(got, Inbound), got
            assert got.command == command

    def test_content_hash_is_of_the_unsealed_content(self, hub_keys):
        """A resend sealed afresh has other bytes but the same content hash as plaintext."""
        keys, _, _ = hub_keys
        command = _dispute()
        one = encode_command(command, sealer=keys.public)
        two = encode_command(command, sealer=keys.public)
        assert one != two
        policy = SealingPolicy(keys)
        first = decode_inbound(one, _origin(1), None, sealing=policy)
        second = decode_inbound(two, _origin(2), None, sealing=policy)
        assert isinstance(first, Inbound)
        assert isinstance(second, Inbound)
        assert first.content_hash == second.content_hash == command_content_hash(command)

    def test_sealed_for_another_hub_is_rejected_with_the_reason(self, hub_keys, other_keys):
        """Wrong key: Undecodable ``unsealable_personal_data`` naming the field, not the value."""
        keys, _, _ = hub_keys
        raw = encode_command(_dispute(), sealer=other_keys.public)
        got = decode_inbound(raw, _origin(), AGENCY, sealing=SealingPolicy(keys))
        assert isinstance(got, Undecodable)
        assert got.reason_code == "unsealable_personal_data"
        assert "parties[0].name" in got.message
        assert got.raw == raw
        assert not any(v in got.message for v in (*NAMES, *ID_NUMBERS))

    def test_tampered_sealed_value_is_rejected_with_the_reason(self, hub_keys):
        """One altered character inside a sealed value: ``unsealable_personal_data``."""
        keys, _, _ = hub_keys
        command = _officer()
        event_type, record = command_to_record(command)
        schema = default_catalog().current(event_type)
        raw = encode_command(command, sealer=keys.public)
        sealed_name = raw[raw.index(SEALED_PREFIX.encode()) :][:60]
        flipped = (
            sealed_name[:30] + (b"A" if sealed_name[30:31] != b"A" else b"B") + sealed_name[31:]
        )
        tampered = raw.replace(sealed_name, flipped)
        assert len(tampered) == len(raw)
        got = decode_inbound(tampered, _origin(), AGENCY, sealing=SealingPolicy(keys))
        assert isinstance(got, Undecodable)
        assert got.reason_code == "unsealable_personal_data"
        assert f"{schema.name}: name:" in got.message
        assert personal_values(schema, record) == {"name": NAMES[0]}

    def test_a_hub_without_a_key_rejects_sealed_values_and_says_how_to_fix_it(self, hub_keys):
        """No sealing key configured: the sealed event is refused, pointing at hub-keygen."""
        keys, _, _ = hub_keys
        raw = encode_command(_officer(), sealer=keys.public)
        got = decode_inbound(raw, _origin(), AGENCY, sealing=SealingPolicy(None))
        assert isinstance(got, Undecodable)
        assert got.reason_code == "unsealable_personal_data"
        assert "hub-keygen" in got.message

    @pytest.mark.usefixtures("fresh_loggers")
    def test_plaintext_is_accepted_counted_and_logged_without_the_value(self, hub_keys):
        """An agency that does not seal yet: accepted, counted per topic, warned with offset."""
        keys, _, _ = hub_keys
        command = _dispute()
        raw = encode_command(command)
        before = plaintext_counts().get(TOPIC, 0)
        with capture_logs() as logs:
            got = decode_inbound(raw, _origin(41), None, sealing=SealingPolicy(keys))
        assert isinstance(got, Inbound)
        assert got.command == command
        assert plaintext_counts()[TOPIC] == before + 1
        warning = next(e for e in logs if e["event"] == "plaintext_personal_data")
        assert warning["log_level"] == "warning"
        assert (warning["topic"], warning["partition"], warning["offset"]) == (TOPIC, 1, 41)
        assert warning["fields"] == [
            "parties[0].name",
            "parties[0].id_number",
            "parties[1].name",
            "parties[1].id_number",
        ]
        assert not any(v in repr(logs) for v in (*NAMES, *ID_NUMBERS))

    def test_require_sealed_pii_rejects_plaintext(self, hub_keys):
        """With require_sealed_pii the same plaintext event is rejected with its own reason."""
        keys, _, _ = hub_keys
        got = decode_inbound(
            encode_command(_officer()),
            _origin(),
            AGENCY,
            sealing=SealingPolicy(keys, require_sealed=True),
        )
        assert isinstance(got, Undecodable)
        assert got.reason_code == "plaintext_personal_data"
        assert "name" in got.message
        assert NAMES[0] not in got.message

    def test_require_sealed_pii_accepts_sealed_and_events_without_personal_data(self, hub_keys):
        """Sealed events, empty optional fields and events with no PII pass under the rule."""
        keys, _, _ = hub_keys
        policy = SealingPolicy(keys, require_sealed=True)
        obj = example_json("DisputeOpened")  # one party, id_number ""
        sealed = encode_command(command_from_json(obj), sealer=keys.public)
        assert isinstance(decode_inbound(sealed, _origin(), None, sealing=policy), Inbound)
        plain = encode_command(command_from_json(example_json("CaseRegistered")))
        assert isinstance(decode_inbound(plain, _origin(), None, sealing=policy), Inbound)


class _FakeProducer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def partitions_for(self, _topic):
        return {0}

    def send(self, _topic, *, value, **_kafka):
        self.sent.append(value)

    def close(self):
        pass


class TestPublisher:
    def test_publisher_seals_with_the_configured_public_key(self, hub_keys):
        """AgencyPublisher with hub_public_key_file sends sealed bytes the hub opens."""
        keys, _, public = hub_keys
        producer = _FakeProducer()
        pub = AgencyPublisher(
            AGENCY, settings=Settings(hub_public_key_file=str(public)), producer=producer
        )
        command = _officer()
        pub.send(command)
        (raw,) = producer.sent
        assert _contains_personal_data(raw) == []
        got = decode_inbound(
            raw, _origin(), AGENCY, sealing=SealingPolicy(keys, require_sealed=True)
        )
        assert isinstance(got, Inbound)
        assert got.command == command

    @pytest.mark.usefixtures("fresh_loggers")
    def test_publisher_without_a_key_sends_plaintext_and_says_so(self):
        """No key configured: the value goes out as before, and the publisher logs it once,
        naming the event type and the field, never the value."""
        producer = _FakeProducer()
        with capture_logs() as logs:
            pub = AgencyPublisher(AGENCY, producer=producer)
            pub.send(_officer())
            pub.send(_officer())
        assert NAMES[0].encode() in producer.sent[0]
        assert [e["event"] for e in logs] == ["publisher_sends_unsealed_personal_data"]
        assert (logs[0]["event_type"], logs[0]["fields"]) == ("OfficerRegistered", ["name"])
        assert NAMES[0] not in repr(logs)

    @pytest.mark.usefixtures("fresh_loggers")
    def test_publisher_without_a_key_is_silent_while_no_event_carries_personal_data(self):
        """No key, events without personal data (case registrations): no warning; the first
        event that holds some (an officer's name) brings it."""
        producer = _FakeProducer()
        case = command_from_json(
            example_json("CaseRegistered") | {"header": _header_of(AGENCY, case=True)}
        )
        with capture_logs() as logs:
            pub = AgencyPublisher(AGENCY, producer=producer)
            pub.send(case)
            pub.send(case)
        assert len(producer.sent) == 2
        assert logs == []
        with capture_logs() as logs:
            pub.send(_officer())
        assert [e["event"] for e in logs] == ["publisher_sends_unsealed_personal_data"]

    def test_a_mistyped_personal_field_is_refused_by_name_not_raised(self, hub_keys):
        """Sealing on, a name that is not a string: that record is refused, naming the field."""
        _, _, public = hub_keys
        producer = _FakeProducer()
        pub = AgencyPublisher(
            AGENCY, settings=Settings(hub_public_key_file=str(public)), producer=producer
        )
        result = pub.send(dataclasses.replace(_officer(), name=123)).result()
        assert not result.ok
        assert result.error.startswith("name:")
        assert producer.sent == []
