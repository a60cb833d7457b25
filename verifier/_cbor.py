"""The strict subset of CBOR (RFC 8949) that PAS1 uses, encoded deterministically.

Only what the format needs is accepted: unsigned and negative integers, byte and
text strings, arrays, maps with integer or text keys, and tags where the caller
allows them. Every item must be in the core deterministic encoding of RFC 8949
§4.2.1 (shortest-form heads, definite lengths, map keys in bytewise order of
their encodings, no duplicates). That gives every pass exactly one encoding, so a
second implementation can interoperate byte for byte, and it rejects the
ambiguities (duplicate keys, indefinite lengths, floats, simple values) that
hostile input uses to make two decoders disagree.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import FormatError

#: Deepest nesting any PAS1 structure needs is 5 (trust list → issuers → entry → cats → cat).
MAX_DEPTH = 8


class Tag(NamedTuple):
    number: int
    value: Any


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes((major << 5 | arg,))
    if arg < 0x100:
        return bytes((major << 5 | 24, arg))
    if arg < 0x10000:
        return bytes((major << 5 | 25,)) + arg.to_bytes(2, "big")
    if arg < 0x100000000:
        return bytes((major << 5 | 26,)) + arg.to_bytes(4, "big")
    if arg < 0x10000000000000000:
        return bytes((major << 5 | 27,)) + arg.to_bytes(8, "big")
    raise FormatError("cbor: integer out of range")


def encode(obj: Any) -> bytes:
    """Encode ``obj`` deterministically. Raises FormatError for unsupported types."""
    out = bytearray()
    _encode_into(obj, out)
    return bytes(out)


def _encode_into(obj: Any, out: bytearray) -> None:
    # bool is an int subclass; the format has no booleans, so refuse rather than encode 0/1.
    if isinstance(obj, bool):
        raise FormatError("cbor: booleans are not part of the format")
    if isinstance(obj, int):
        out += _head(0, obj) if obj >= 0 else _head(1, -1 - obj)
    elif isinstance(obj, bytes | bytearray):
        out += _head(2, len(obj))
        out += obj
    elif isinstance(obj, str):
        data = obj.encode("utf-8")
        out += _head(3, len(data))
        out += data
    elif isinstance(obj, list | tuple) and not isinstance(obj, Tag):
        out += _head(4, len(obj))
        for item in obj:
            _encode_into(item, out)
    elif isinstance(obj, dict):
        pairs = sorted((encode(k), v) for k, v in obj.items() if _check_key(k))
        out += _head(5, len(pairs))
        for key, value in pairs:
            out += key
            _encode_into(value, out)
    elif isinstance(obj, Tag):
        out += _head(6, obj.number)
        _encode_into(obj.value, out)
    else:
        raise FormatError(f"cbor: cannot encode {type(obj).__name__}")


def _check_key(key: Any) -> bool:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise FormatError("cbor: map keys must be integers or text")
    return True


def decode(data: bytes, *, allow_tags: frozenset[int] = frozenset()) -> Any:
    """Decode exactly one item that fills ``data``; tags allowed only at the top.

    Raises FormatError for anything outside the strict subset.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FormatError("cbor: input is not bytes")
    data = bytes(data)
    value, pos = _Decoder(data, allow_tags).item(0, 0)
    if pos != len(data):
        raise FormatError("cbor: trailing bytes after the item")
    return value


class _Decoder:
    __slots__ = ("allow_tags", "data", "end")

    def __init__(self, data: bytes, allow_tags: frozenset[int]) -> None:
        self.data = data
        self.end = len(data)
        self.allow_tags = allow_tags

    def item(self, pos: int, depth: int) -> tuple[Any, int]:
        # One flat function on purpose: this runs ~30 times per pass and is the
        # largest cost of verify() after the signature check itself.
        data = self.data
        end = self.end
        if pos >= end:
            raise FormatError("cbor: truncated")
        initial = data[pos]
        major = initial >> 5
        arg = initial & 0x1F
        pos += 1
        if arg >= 24:
            if arg > 27:
                raise FormatError("cbor: indefinite length or reserved value")
            size = 1 << (arg - 24)
            if pos + size > end:
                raise FormatError("cbor: truncated")
            arg = int.from_bytes(data[pos : pos + size], "big")
            # Shortest form: the argument must not fit in a smaller head.
            if arg < (24 if size == 1 else 1 << (4 * size)):
                raise FormatError("cbor: non-shortest encoding")
            pos += size
        if major == 0:
            return arg, pos
        if major == 2 or major == 3:
            stop = pos + arg
            if stop > end:
                raise FormatError("cbor: string longer than the input")
            raw = data[pos:stop]
            if major == 2:
                return raw, stop
            try:
                return raw.decode("utf-8"), stop
            except UnicodeDecodeError:
                raise FormatError("cbor: text is not valid UTF-8") from None
        if major == 1:
            return -1 - arg, pos
        if depth >= MAX_DEPTH:
            raise FormatError("cbor: nested too deeply")
        depth += 1
        if major == 4:
            if arg > end - pos:
                raise FormatError("cbor: array longer than the input")
            items = []
            for _ in range(arg):
                value, pos = self.item(pos, depth)
                items.append(value)
            return items, pos
        if major == 5:
            if 2 * arg > end - pos:
                raise FormatError("cbor: map longer than the input")
            result: dict[Any, Any] = {}
            previous = b""
            for _ in range(arg):
                start = pos
                if pos < end and data[pos] >> 5 > 3:
                    raise FormatError("cbor: map keys must be integers or text")
                key, pos = self.item(pos, depth)
                if isinstance(key, bytes):
                    raise FormatError("cbor: map keys must be integers or text")
                encoded_key = data[start:pos]
                if encoded_key <= previous:
                    raise FormatError("cbor: map keys duplicated or not in deterministic order")
                previous = encoded_key
                result[key], pos = self.item(pos, depth)
            return result, pos
        if major == 6:
            if depth != 1 or arg not in self.allow_tags:
                raise FormatError(f"cbor: tag {arg} not allowed here")
            value, pos = self.item(pos, depth)
            return Tag(arg, value), pos
        raise FormatError("cbor: floats and simple values are not part of the format")


def byte_string_head(length: int) -> bytes:
    """The head of a byte string of ``length`` bytes (for building Sig_structure fast)."""
    return _head(2, length)
