"""Request bodies as ``/graphql`` (``web.request_guard``) and the REST route (``web.rest``) both
accept them: UTF-8 JSON, read up to a size limit and refused as soon as they pass it."""

from collections.abc import AsyncIterable


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


def is_utf8_json(content_type: str) -> bool:
    mime, *params = content_type.lower().split(";")
    charsets = {
        value.strip(' "') for key, _, value in (p.partition("=") for p in params) if key.strip() == "charset"
    }
    return mime.strip() == "application/json" and charsets <= {"utf-8", "utf8"}


async def read_body_within(chunks: AsyncIterable[bytes], content_length: str | None, limit: int) -> bytes:
    """The body from its ``chunks``, at most ``limit`` bytes, else ``BodyTooLarge``: refused from its
    declared ``Content-Length`` before reading, and while reading (a chunked body declares none)."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)
