"""The base of the event catalogue: `EventData`, the typed `Event` and the registry `CATALOGUE`.

`data` carries the aggregate's full state after the change (so consumers apply "newest version
wins" and never call back) plus `changed`, the names of the fields the change touched. The
aggregate's `version` becomes the envelope's `sequence`; its `id` the envelope's `subject`.

An event is a typed value: `ProjectCreated(data=ProjectData(...))`. `emit(session, event)` and
consumers registered with `handlers.on(ProjectCreated, ...)` both see the same class, so what a
producer sends and what a consumer reads are checked by mypy and by pydantic.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pmo_common.contracts.envelope import CloudEvent


class EventData(BaseModel):
    """Base of every event's `data`: the aggregate id and version, and what changed."""

    # `from_attributes`: data is built from the ORM object the change touched.
    model_config = ConfigDict(extra="allow", from_attributes=True)

    id: uuid.UUID
    version: int = Field(ge=1)
    changed: list[str] = Field(default_factory=list)


D = TypeVar("D", bound=EventData)


class Event(BaseModel, Generic[D]):
    """A catalogue entry: the subject it is published on and its typed `data`. Subclasses name
    their `subject`; the docstring is the description published in the AsyncAPI document."""

    subject: ClassVar[str]
    aggregate: ClassVar[str]
    data_model: ClassVar[type[EventData]]
    description: ClassVar[str] = ""

    data: D
    _envelope: CloudEvent | None = PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return  # a parametrised base such as Event[ProjectData], not a catalogue entry
        annotation = cls.model_fields["data"].annotation
        assert isinstance(annotation, type) and issubclass(annotation, EventData), cls
        cls.data_model = annotation
        cls.aggregate = subject.split(".")[2]
        cls.description = " ".join((cls.__doc__ or "").split())
        if subject in CATALOGUE:
            raise TypeError(
                f"{subject!r} is catalogued twice ({CATALOGUE[subject].__name__}, {cls.__name__})"
            )
        CATALOGUE[subject] = cls

    @property
    def envelope(self) -> CloudEvent:
        """The envelope a received event came in (id, time, request id)."""
        if self._envelope is None:
            raise AttributeError(f"{type(self).__name__} was built here, not received")
        return self._envelope

    @classmethod
    def received(cls, envelope: CloudEvent) -> Event[Any]:
        """The typed event of a received envelope (its data validated against the catalogue)."""
        event = cls.model_validate({"data": envelope.data})
        event._envelope = envelope
        return event


CATALOGUE: dict[str, type[Event[Any]]] = {}


def event_class(subject: str) -> type[Event[Any]]:
    try:
        return CATALOGUE[subject]
    except KeyError:
        raise KeyError(f"{subject!r} is not in the event catalogue") from None


def validate_data(subject: str, data: dict[str, Any]) -> EventData:
    return event_class(subject).data_model.model_validate(data)
