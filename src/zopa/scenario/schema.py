"""The scenario language as a pydantic v2 schema (format version 1; see SCENARIO.md).

This module fixes the *shape* of a scenario: field names, types and ranges. Checks that
need the whole file (cross-references, unique ids, every decider has preferences) live
in :mod:`zopa.scenario.check`. ``zopa schema`` prints :func:`json_schema`.

Any number may be written plainly (``0.4``) or as a mapping with ``value:`` plus an
optional ``source:`` (a reference to the scenario's ``sources:`` list and a verbatim
quote) or ``assumption:`` (one line saying why the value was chosen). Mappings of numbers
(``weights``, ``utilities[issue]``, ``ideal``) may carry one ``source:``/``assumption:``
that covers every number in them; the words ``source``, ``assumption`` and ``value`` are
therefore reserved and cannot be issue or option ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
)

FORMAT_VERSION = 1
RESERVED_KEYS = frozenset({"source", "assumption", "value"})
ROLES = ("party", "veto", "spoiler", "mediator", "stakeholder")
DECIDER_ROLES = frozenset({"party", "veto"})

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=64)]
ScenarioId = Annotated[str, Field(pattern=r"^[a-z0-9_-]+$", min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SourceRef(_Strict):
    """Where a number comes from: an id of the scenario's ``sources:`` and a verbatim quote."""

    ref: Id
    quote: Annotated[str, Field(min_length=1)]


class Evidence(_Strict):
    """Optional ``source:`` / ``assumption:`` carried by any mapping."""

    source: SourceRef | None = None
    assumption: Annotated[str, Field(min_length=1)] | None = None


class Number(Evidence):
    """A number with its evidence. ``0.4`` and ``{value: 0.4}`` mean the same."""

    value: StrictFloat | StrictInt

    def __float__(self) -> float:
        return float(self.value)


def _to_number(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw  # rejected by the strict number type below
    if isinstance(raw, int | float):
        return {"value": raw}
    return raw


def _ranged(
    lo: float | None, hi: float | None, lo_open: bool = False
) -> Callable[[Number], Number]:
    def check(n: Number) -> Number:
        v = float(n.value)
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        if lo is not None and (v <= lo if lo_open else v < lo):
            bound = f"greater than {lo:g}" if lo_open else f"at least {lo:g}"
            raise ValueError(f"{v:g} is out of range: must be {bound}")
        if hi is not None and v > hi:
            raise ValueError(f"{v:g} is out of range: must be at most {hi:g}")
        return n

    return check


_COERCE = BeforeValidator(_to_number, json_schema_input_type=float | Number)

AnyNumber = Annotated[Number, _COERCE, AfterValidator(_ranged(None, None))]
Unit = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, 1.0))]  # utilities, reservations
Scale = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, 100.0))]  # places on 0..100
Weight = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, None))]  # saliences, >= 0
Positive = Annotated[Number, _COERCE, AfterValidator(_ranged(0.0, None, True))]  # capabilities


class _NumberMap(Evidence):
    """A mapping from ids to numbers, plus optional evidence covering all of them."""

    model_config = ConfigDict(extra="allow")

    def numbers(self) -> dict[str, Number]:
        return dict(self.__pydantic_extra__ or {})


class WeightMap(_NumberMap):
    """Issue id -> salience (>= 0); normalised to sum 1 for package utilities."""

    __pydantic_extra__: dict[str, Weight]


class UtilityMap(_NumberMap):
    """Option id -> utility of that option, in [0, 1]."""

    __pydantic_extra__: dict[str, Unit]


class IdealMap(_NumberMap):
    """Issue id -> ideal point on the issue's 0..100 scale (linear loss)."""

    __pydantic_extra__: dict[str, Scale]


class Source(_Strict):
    """A document the scenario's numbers are taken from."""

    id: Id
    title: str
    file: str | None = None
    url: str | None = None
    author: str | None = None
    date: str | None = None


class Actor(Evidence):
    """Someone at or around the table."""

    id: Id
    name: str
    role: Literal["party", "veto", "spoiler", "mediator", "stakeholder"]
    capability: Positive = Field(default_factory=lambda: Number(value=1.0))
    description: str | None = None

    @property
    def decides(self) -> bool:
        return self.role in DECIDER_ROLES


class Option(Evidence):
    """One option of an issue; ``at`` is its place on the issue's 0..100 scale."""

    id: Id
    at: Scale
    name: str | None = None
    description: str | None = None


class Issue(Evidence):
    """An issue and its ordered options."""

    id: Id
    name: str
    description: str | None = None
    options: Annotated[list[Option], Field(min_length=1)]


class RedLine(Evidence):
    """Options of one issue that an actor never accepts."""

    issue: Id
    not_: Annotated[list[Id], Field(alias="not", min_length=1)]
    reason: str | None = None


class Preferences(Evidence):
    """What an actor wants: weights, per-issue utilities or ideals, reservation, red lines."""

    weights: WeightMap
    utilities: dict[str, UtilityMap] = Field(default_factory=dict)
    ideal: IdealMap | None = None
    reservation: Unit = Field(default_factory=lambda: Number(value=0.0))
    red_lines: list[RedLine] = Field(default_factory=list)


class Decision(Evidence):
    """The decision rule: unanimity of deciders, or a quota that every veto must join."""

    rule: Literal["unanimity", "quota"] = "unanimity"
    at_least: Annotated[int, Field(ge=1)] | None = None


class Scenario(_Strict):
    """A whole scenario file."""

    zopa: Literal[1]
    id: ScenarioId
    title: str
    description: str | None = None
    sources: list[Source] = Field(default_factory=list)
    actors: Annotated[list[Actor], Field(min_length=1)]
    issues: Annotated[list[Issue], Field(min_length=1)]
    preferences: dict[str, Preferences] = Field(default_factory=dict)
    decision: Decision = Field(default_factory=Decision)

    @property
    def deciders(self) -> list[Actor]:
        return [a for a in self.actors if a.decides]

    def n_packages(self) -> int:
        """Size of the outcome space (product of the issues' option counts)."""
        return math.prod(len(i.options) for i in self.issues)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario language (for editors)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "zopa scenario (format version 1)"
    return schema
