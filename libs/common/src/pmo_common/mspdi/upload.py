"""The HTTP side of a Microsoft Project import, shared by the services' routes (the rest of
`pmo_common.mspdi` is pure and does not import this): read the file from the request — the raw
body (`application/xml` or `text/xml`) or the multipart field `file` — and parse it off the event
loop, every problem a 4xx problem+json that says what is wrong."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request

from pmo_common.contracts.problem import FieldError
from pmo_common.errors import Unprocessable, UnsupportedMediaType
from pmo_common.mspdi.reader import MspdiError, MspdiProject, UnsafeXml, parse
from pmo_common.responses import problem

XML_MEDIA_TYPES = ("application/xml", "text/xml")
MULTIPART = "multipart/form-data"


class UnusableFile(Unprocessable):
    """Not a Microsoft Project XML file this service can import (nothing was applied)."""

    title, slug = "Unusable Microsoft Project file", "msproject-file"


class RefusedXml(UnusableFile):
    """An XML bomb or external-entity file: refused before anything in it was expanded or fetched."""

    title, slug = "Refused XML", "unsafe-xml"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_file(request: Request) -> bytes:
    """The uploaded file's bytes (the body-size limit of the import paths already applies)."""
    media = _media_type(request)
    if media in XML_MEDIA_TYPES:
        return await request.body()
    if media == MULTIPART:
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Unprocessable(
                    "The multipart body has no file in a field named `file`.",
                    errors=[FieldError(field="file", message="required: the Microsoft Project XML file")],
                )
            return await upload.read()
    raise UnsupportedMediaType(
        f"Content-Type {media or 'none'!r} is not accepted: send the Microsoft Project XML file as the body "
        "(application/xml or text/xml), or as the multipart/form-data field `file`."
    )


async def parse_upload(request: Request) -> MspdiProject:
    """The project the uploaded file describes; 422 `unsafe-xml` for a DTD, entities or external
    references, 422 `msproject-file` for anything else that cannot be imported."""
    data = await read_file(request)
    try:
        return await run_in_threadpool(parse, data)
    except UnsafeXml as exc:
        raise RefusedXml(str(exc), errors=[FieldError(field="file", message=str(exc))]) from None
    except MspdiError as exc:
        raise UnusableFile(str(exc), errors=[FieldError(field="file", message=str(exc))]) from None


def file_error(exc: MspdiError) -> UnusableFile:
    """A problem found while interpreting a parsed file (a task outside the dates, say)."""
    return UnusableFile(str(exc), errors=[FieldError(field="file", message=str(exc))])


UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem("A multipart body that cannot be read."),
    413: problem("The file is over the import size limit."),
    415: problem("The Content-Type is not application/xml, text/xml or multipart/form-data."),
    422: problem(
        "The file is not a Microsoft Project XML file that can be imported (not XML, not MSPDI, no project "
        "summary task, a bad number or date: `detail` names it), or it is refused as hostile XML (a "
        "DOCTYPE, entity declarations, external entities: type `.../unsafe-xml`). Nothing was applied."
    ),
}


def request_body_doc(example: str) -> dict[str, Any]:
    """`openapi_extra` for an import route that reads the file itself."""
    binary = {"type": "string", "format": "binary"}
    return {
        "requestBody": {
            "required": True,
            "description": "A Microsoft Project XML file (MSPDI), as Project saves it with File > Save As > XML.",
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": example},
                "text/xml": {"schema": {"type": "string"}},
                MULTIPART: {
                    "schema": {"type": "object", "required": ["file"], "properties": {"file": binary}},
                },
            },
        }
    }


EXAMPLE_FILE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>Office Move 2027.xml</Name>
  <GUID>8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D</GUID>
  <Title>Office Move 2027</Title>
  <CreationDate>2026-10-05T09:15:00</CreationDate>
  <StartDate>2027-01-04T08:00:00</StartDate>
  <FinishDate>2027-02-26T17:00:00</FinishDate>
  <CurrencyCode>EUR</CurrencyCode>
  <Tasks>
    <Task><UID>0</UID><Name>Office Move 2027</Name><OutlineLevel>0</OutlineLevel><Summary>1</Summary>
      <Start>2027-01-04T08:00:00</Start><Finish>2027-02-26T17:00:00</Finish><Cost>1200000</Cost>
      <Baseline><Number>0</Number><Start>2027-01-04T08:00:00</Start><Finish>2027-02-19T17:00:00</Finish>
        <Cost>1000000</Cost></Baseline></Task>
    <Task><UID>1</UID><Name>Packing</Name><OutlineLevel>1</OutlineLevel><Summary>0</Summary>
      <Start>2027-01-04T08:00:00</Start><Finish>2027-02-26T17:00:00</Finish><Cost>1200000</Cost></Task>
  </Tasks>
  <Resources>
    <Resource><UID>1</UID><GUID>D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6</GUID><Name>Ada Lovelace</Name>
      <Type>1</Type><Group>Business analyst</Group><EmailAddress>ada@example.com</EmailAddress></Resource>
  </Resources>
  <Assignments>
    <Assignment><UID>1</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID>
      <Start>2027-01-04T08:00:00</Start><Finish>2027-02-26T17:00:00</Finish><Work>PT120H0M0S</Work></Assignment>
  </Assignments>
</Project>
"""
