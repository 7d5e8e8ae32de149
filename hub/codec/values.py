"""Schema-driven conversion of one record between its three forms, with field paths in errors.

* the **Python form** the codec works in: ``dict`` per record, ``list`` per array, ``str`` per
  enum symbol, ``uuid.UUID`` for ``uuid``, an aware ``datetime`` for ``timestamp-millis``,
  ``datetime.date`` for ``date``, ``bytes`` for bytes, ``None`` for null;
* the **Avro form** fastavro writes and reads with logical types stripped (strings, ints);
* the **JSON form** of ``casehub publish`` (``docs/events.md``): UUIDs as strings, timestamps
  as ISO-8601 with a UTC offset, dates as ``YYYY-MM-DD``, enums by symbol, bytes as base64.

A schema is compiled once into a tree of shapes; each shape converts and checks a value and
raises ``FieldError`` naming the path of the offending field (``header.occurred_at``,
``documents[2].sha256``). The path is assembled while the error unwinds, so the happy path
builds no strings.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hub.errors import SchemaError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1)
_MS = timedelta(milliseconds=1)
_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldError(SchemaError):
    """A value does not fit its field; ``path`` names the field (empty for the whole record)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path or '(record)'}: {problem}")

    def under(self, parent: str) -> FieldError:
        """The same error one level down: ``parent`` is a field name or ``[index]``."""
        if not self.path:
            return FieldError(parent, self.problem)
        sep = "" if self.path.startswith("[") else "."
        return FieldError(f"{parent}{sep}{self.path}", self.problem)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


class Shape:
    """How one schema node converts between the three forms."""

    def to_avro(self, value: Any) -> Any:
        raise NotImplementedError

    def from_avro(self, value: Any) -> Any:
        raise NotImplementedError

    def from_json(self, value: Any) -> Any:
        raise NotImplementedError

    def to_json(self, value: Any, *, omit_nulls: bool = False) -> Any:
        """The JSON form; containers pass ``omit_nulls`` down, leaves ignore it."""
        del omit_nulls
        return self.json_value(value)

    def json_value(self, value: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(eq=False)
class StringShape(Shape):
    def _check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError("", f"expected a string, got {_kind(value)}")
        result: str = value
        return result

    to_avro = from_avro = from_json = json_value = _check

    def describe(self) -> str:
        return "string"


@dataclass(eq=False)
class BooleanShape(Shape):
    def _check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise FieldError("", f"expected true or false, got {_kind(value)}")
        return value

    to_avro = from_avro = from_json = json_value = _check

    def describe(self) -> str:
        return "boolean"


@dataclass(eq=False)
class IntegerShape(Shape):
    avro_type: str  # int | long

    def _check(self, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise FieldError("", f"expected a whole number, got {_kind(value)}")
        low, high = _INT_RANGE[self.avro_type]
        if not low <= value <= high:
            raise FieldError("", f"{value} is out of range for an Avro {self.avro_type}")
        return value

    to_avro = from_avro = from_json = json_value = _check

    def describe(self) -> str:
        return self.avro_type


@dataclass(eq=False)
class FloatShape(Shape):
    avro_type: str  # float | double

    def _check(self, value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise FieldError("", f"expected a number, got {_kind(value)}")
        return float(value)

    to_avro = from_avro = from_json = json_value = _check

    def describe(self) -> str:
        return self.avro_type


@dataclass(eq=False)
class BytesShape(Shape):
    """Avro bytes; base64 (standard alphabet) in the JSON form."""

    def to_avro(self, value: Any) -> bytes:
        if not isinstance(value, bytes | bytearray):
            raise FieldError("", f"expected bytes, got {_kind(value)}")
        return bytes(value)

    from_avro = to_avro

    def from_json(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise FieldError("", f"expected base64 text, got {_kind(value)}")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise FieldError("", "not valid base64") from None

    def json_value(self, value: Any) -> Any:
        return base64.b64encode(self.to_avro(value)).decode("ascii")

    def describe(self) -> str:
        return "base64 bytes"


@dataclass(eq=False)
class UuidShape(Shape):
    def to_avro(self, value: Any) -> str:
        if not isinstance(value, UUID):
            raise FieldError("", f"expected a UUID, got {_kind(value)}")
        return str(value)

    def from_avro(self, value: Any) -> UUID:
        if not isinstance(value, str):
            raise FieldError("", f"expected a UUID string, got {_kind(value)}")
        try:
            return UUID(value)
        except ValueError:
            raise FieldError("", f"{value[:60]!r} is not a UUID") from None

    from_json = from_avro
    json_value = to_avro

    def describe(self) -> str:
        return "UUID string"


@dataclass(eq=False)
class TimestampShape(Shape):
    """``timestamp-millis``: an aware datetime; finer precision is truncated to milliseconds."""

    def to_avro(self, value: Any) -> int:
        if not isinstance(value, datetime):
            raise FieldError("", f"expected a datetime, got {_kind(value)}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise FieldError("", "the timestamp has no UTC offset (naive datetime)")
        return (value - _EPOCH) // _MS

    def from_avro(self, value: Any) -> datetime:
        if not isinstance(value, int) or isinstance(value, bool):
            raise FieldError("", f"expected milliseconds, got {_kind(value)}")
        try:
            return _EPOCH + value * _MS
        except OverflowError:
            raise FieldError("", f"{value} ms is outside the years 1-9999") from None

    def from_json(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise FieldError("", f"expected an ISO-8601 timestamp string, got {_kind(value)}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise FieldError("", f"{value[:60]!r} is not an ISO-8601 timestamp") from None
        if parsed.tzinfo is None:
            raise FieldError("", f"{value!r} has no UTC offset (add Z or +08:00)")
        return parsed

    def json_value(self, value: Any) -> Any:
        millis = self.to_avro(value)
        text = (_EPOCH + millis * _MS).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")

    def describe(self) -> str:
        return "ISO-8601 timestamp with offset"


@dataclass(eq=False)
class DateShape(Shape):
    def to_avro(self, value: Any) -> int:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise FieldError("", f"expected a date, got {_kind(value)}")
        return (value - _EPOCH_DAY).days

    def from_avro(self, value: Any) -> date:
        if not isinstance(value, int) or isinstance(value, bool):
            raise FieldError("", f"expected days, got {_kind(value)}")
        try:
            return _EPOCH_DAY + timedelta(days=value)
        except OverflowError:
            raise FieldError("", f"day {value} is outside the years 1-9999") from None

    def from_json(self, value: Any) -> date:
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise FieldError("", f"expected a date as YYYY-MM-DD, got {value!r:.60}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FieldError("", f"{value!r} is not a calendar date") from None

    def json_value(self, value: Any) -> Any:
        self.to_avro(value)
        return value.isoformat()

    def describe(self) -> str:
        return "date YYYY-MM-DD"


@dataclass(eq=False)
class EnumShape(Shape):
    fullname: str
    symbols: tuple[str, ...]

    def _check(self, value: Any) -> str:
        if value not in self.symbols:
            raise FieldError("", f"{value!r:.60} is not one of {', '.join(self.symbols)}")
        result: str = value
        return result

    to_avro = from_avro = from_json = json_value = _check

    def describe(self) -> str:
        return "one of " + ", ".join(self.symbols)


@dataclass(eq=False)
class NullableShape(Shape):
    """A union ``["null", X]`` (the only unions the codec supports)."""

    inner: Shape

    def to_avro(self, value: Any) -> Any:
        return None if value is None else self.inner.to_avro(value)

    def from_avro(self, value: Any) -> Any:
        return None if value is None else self.inner.from_avro(value)

    def from_json(self, value: Any) -> Any:
        return None if value is None else self.inner.from_json(value)

    def to_json(self, value: Any, *, omit_nulls: bool = False) -> Any:
        return None if value is None else self.inner.to_json(value, omit_nulls=omit_nulls)

    def describe(self) -> str:
        return f"null or {self.inner.describe()}"


class _ContainerShape(Shape):
    """An array or a map: every conversion applies the element shape to each item."""

    def _each(self, value: Any, method: str, **kw: Any) -> Any:
        raise NotImplementedError

    def to_avro(self, value: Any) -> Any:
        return self._each(value, "to_avro")

    def from_avro(self, value: Any) -> Any:
        return self._each(value, "from_avro")

    def from_json(self, value: Any) -> Any:
        return self._each(value, "from_json")

    def to_json(self, value: Any, *, omit_nulls: bool = False) -> Any:
        return self._each(value, "to_json", omit_nulls=omit_nulls)


@dataclass(eq=False)
class ArrayShape(_ContainerShape):
    items: Shape

    def _each(self, value: Any, method: str, **kw: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise FieldError("", f"expected a list, got {_kind(value)}")
        convert = getattr(self.items, method)
        out = []
        for i, item in enumerate(value):
            try:
                out.append(convert(item, **kw))
            except FieldError as exc:
                raise exc.under(f"[{i}]") from None
        return out

    def describe(self) -> str:
        return f"list of {self.items.describe()}"


@dataclass(eq=False)
class MapShape(_ContainerShape):
    values: Shape

    def _each(self, value: Any, method: str, **kw: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise FieldError("", f"expected an object with string keys, got {_kind(value)}")
        convert = getattr(self.values, method)
        out = {}
        for key, item in value.items():
            try:
                out[key] = convert(item, **kw)
            except FieldError as exc:
                raise exc.under(f"[{key!r}]") from None
        return out

    def describe(self) -> str:
        return f"object of {self.values.describe()}"


@dataclass(eq=False)
class FieldShape:
    name: str
    shape: Shape
    has_default: bool
    default: Any  # in the JSON form, as the schema writes it
    doc: str
    pii: bool

    def default_value(self) -> Any:
        """The default in the Python form (a fresh copy: lists are mutable)."""
        return self.shape.from_json(copy.deepcopy(self.default))


class _Default:
    """A field's default in the form one conversion returns, converted once."""

    __slots__ = ("_shared", "_value")

    def __init__(self, field_shape: FieldShape, method: str) -> None:
        self._value: Any = None
        self._shared = False
        if not field_shape.has_default:
            return
        value = field_shape.default_value()
        if method == "to_avro":
            value = field_shape.shape.to_avro(value)
        self._value = value
        self._shared = isinstance(value, _IMMUTABLE)

    def __call__(self) -> Any:
        return self._value if self._shared else copy.deepcopy(self._value)


#: A field as one conversion sees it: name, converter, and how to fill it in when absent.
_FieldPlan = tuple[str, Any, bool, Any]
#: A default value no conversion can change in place: shared, never copied.
_IMMUTABLE = (type(None), str, bytes, bool, int, float)


@dataclass(eq=False)
class RecordShape(Shape):
    fullname: str
    doc: str
    fields: tuple[FieldShape, ...] = ()
    _names: frozenset[str] = field(default=frozenset(), repr=False)
    #: Per conversion method, the fields' plans, built on first use: the relay and ingest
    #: convert every record through here, and looking up each field's method and converting
    #: (and deep-copying) each default anew on every record showed in their profiles.
    _plans: dict[str, tuple[_FieldPlan, ...]] = field(default_factory=dict, repr=False)

    def set_fields(self, fields: tuple[FieldShape, ...]) -> None:
        self.fields = fields
        self._names = frozenset(f.name for f in fields)
        self._plans = {}

    @property
    def name(self) -> str:
        return self.fullname.rsplit(".", 1)[-1]

    def _fields(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FieldError("", f"expected an object ({self.name}), got {_kind(value)}")
        if not self._names.issuperset(value):
            unknown = sorted(str(k) for k in value if k not in self._names)
            raise FieldError(unknown[0], f"{self.name} has no such field")
        return value

    def _plan(self, method: str) -> tuple[_FieldPlan, ...]:
        plan = self._plans.get(method)
        if plan is None:
            plan = tuple(
                (f.name, getattr(f.shape, method), f.has_default, _Default(f, method))
                for f in self.fields
            )
            self._plans[method] = plan
        return plan

    def _convert(self, value: Any, method: str) -> dict[str, Any]:
        value = self._fields(value)
        out: dict[str, Any] = {}
        for name, convert, has_default, default in self._plan(method):
            if name not in value:
                if not has_default:
                    raise FieldError(name, "required field is missing")
                out[name] = default()
                continue
            try:
                out[name] = convert(value[name])
            except FieldError as exc:
                raise exc.under(name) from None
        return out

    def to_avro(self, value: Any) -> Any:
        return self._convert(value, "to_avro")

    def from_avro(self, value: Any) -> Any:
        return self._convert(value, "from_avro")

    def from_json(self, value: Any) -> Any:
        return self._convert(value, "from_json")

    def to_json(self, value: Any, *, omit_nulls: bool = False) -> Any:
        value = self._fields(value)
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.name not in value:
                raise FieldError(f.name, "required field is missing")
            try:
                converted = f.shape.to_json(value[f.name], omit_nulls=omit_nulls)
            except FieldError as exc:
                raise exc.under(f.name) from None
            if converted is not None or not omit_nulls:
                out[f.name] = converted
        return out

    def describe(self) -> str:
        return f"object {self.name}"


def compile_record(schema: dict[str, Any]) -> RecordShape:
    """Compile a standalone record schema (named types defined at first use) into shapes."""
    named: dict[str, Shape] = {}
    shape = _compile(schema, schema.get("namespace", ""), named)
    assert isinstance(shape, RecordShape)
    return shape


def _qualify(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


_SIMPLE: dict[str, Shape] = {
    "string": StringShape(),
    "boolean": BooleanShape(),
    "int": IntegerShape("int"),
    "long": IntegerShape("long"),
    "float": FloatShape("float"),
    "double": FloatShape("double"),
    "bytes": BytesShape(),
}
_LOGICAL: dict[tuple[str, str], Shape] = {
    ("string", "uuid"): UuidShape(),
    ("long", "timestamp-millis"): TimestampShape(),
    ("int", "date"): DateShape(),
}


def _compile(node: Any, namespace: str, named: dict[str, Shape]) -> Shape:  # noqa: PLR0911 - one per form
    if isinstance(node, str):
        shape = _SIMPLE.get(node) or named.get(_qualify(node, namespace))
        if shape is None:
            raise SchemaError(f"type {node!r} is not supported by the casehub codec")
        return shape
    if isinstance(node, list):
        branches = [b for b in node if b != "null"]
        if len(node) != 2 or len(branches) != 1 or node[0] != "null":
            raise SchemaError(f'only ["null", X] unions are supported, got {node!r}')
        return NullableShape(_compile(branches[0], namespace, named))
    kind = node["type"]
    logical = _LOGICAL.get((kind, node.get("logicalType", ""))) if isinstance(kind, str) else None
    if logical is not None:
        return logical
    if kind == "array":
        return ArrayShape(_compile(node["items"], namespace, named))
    if kind == "map":
        return MapShape(_compile(node["values"], namespace, named))
    if kind == "enum":
        fullname = _qualify(node["name"], node.get("namespace", namespace))
        named[fullname] = EnumShape(fullname, tuple(node["symbols"]))
        return named[fullname]
    if kind == "record":
        return _compile_record(node, namespace, named)
    return _compile(kind, namespace, named)


def _compile_record(node: dict[str, Any], namespace: str, named: dict[str, Shape]) -> Shape:
    ns = node.get("namespace", namespace)
    if "." in node["name"]:
        ns = node["name"].rsplit(".", 1)[0]
    fullname = _qualify(node["name"], ns)
    record = RecordShape(fullname, node.get("doc", ""))
    named[fullname] = record
    record.set_fields(
        tuple(
            FieldShape(
                name=f["name"],
                shape=_compile(f["type"], ns, named),
                has_default="default" in f,
                default=f.get("default"),
                doc=f.get("doc", ""),
                pii=bool(f.get("pii", False)),
            )
            for f in node["fields"]
        )
    )
    return record
