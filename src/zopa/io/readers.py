"""The registry of importers: every format zopa reads from other tools, behind one call.

:data:`FORMATS` lists each format once; :func:`read` reads a file or folder in any of
them and returns an :class:`Imported`. Two kinds of format:

- *scenario* formats (``genius``, ``deliberation``, ``ktab``) describe a negotiation:
  :attr:`Imported.scenario` is the scenario document (the plain dict that
  :func:`zopa.io.writer.write_scenario` writes), :meth:`Imported.to_scenario` the
  validated :class:`~zopa.scenario.schema.Scenario`;
- *data* formats (``decide``, ``deu``, ``bdm``) are forecasting-model inputs with no
  preferences over packages: :attr:`Imported.scenario` is None.

:attr:`Imported.data` is always the format's own parsed object, and
:meth:`Imported.forecast_input` gives the forecasting-model inputs where the format has a
single one. Every reader is bounded (file sizes, counts, nesting, magnitudes: see
:mod:`zopa.io.text`) and reports every problem of its input, including what a scenario
could not hold, as an :class:`~zopa.errors.InputError` at the input's file and line, so
that :func:`~zopa.io.writer.write_scenario` never has to. The format modules are imported
on first use (``numpy`` is not loaded to read a GENIUS folder).

>>> from zopa.io.readers import read
>>> read("ktab", "tests/data/ktab/smpExample.xml").to_scenario().id  # doctest: +SKIP
'smpexample'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from zopa.errors import InputError

if TYPE_CHECKING:
    from zopa.forecasting.base import ForecastInput
    from zopa.scenario.schema import Scenario

Kind = Literal["scenario", "data"]


@dataclass(frozen=True, eq=False)
class Imported:
    """What an importer read.

    Attributes
    ----------
    format
        The format's name (a key of :data:`FORMATS`).
    path
        The file or folder read.
    scenario
        The scenario document (format version 1) for scenario formats, else None.
    data
        The format's own parsed object: :class:`~zopa.io.ktab.KtabData`,
        :class:`~zopa.io.decide.DecideData`, :class:`~zopa.io.deu.DeuData`, the
        :class:`~zopa.forecasting.base.ForecastInput` of a BdM table; for ``genius`` and
        ``deliberation``, whose parsed form is the scenario, the document itself.
    """

    format: str
    path: Path
    scenario: dict[str, Any] | None
    data: object

    def document(self) -> dict[str, Any]:
        """The scenario document.

        Raises
        ------
        InputError
            When the format carries no scenario (a data format).
        """
        if self.scenario is None:
            scenario_formats = ", ".join(n for n, f in FORMATS.items() if f.kind == "scenario")
            raise InputError.at(
                str(self.path),
                None,
                "",
                f"the {self.format} format holds forecasting data, not a scenario "
                f"(scenario formats: {scenario_formats})",
            )
        return self.scenario

    def to_scenario(self) -> Scenario:
        """The scenario, validated and cross-checked as a scenario file would be.

        Raises
        ------
        InputError
            When the format carries no scenario, or (naming the field) when the document is
            not a valid scenario.
        """
        from zopa.scenario.load import validate
        from zopa.scenario.yamlfile import Lines

        return validate(self.document(), Lines(), str(self.path))

    def forecast_input(self) -> ForecastInput:
        """The forecasting-model inputs read.

        ``ktab``, ``decide`` and ``bdm`` give theirs as the format defines them; ``genius``
        and ``deliberation`` those of :meth:`to_scenario`
        (:func:`zopa.forecasting.registry.from_scenario`).

        Raises
        ------
        InputError
            For ``deu``, which holds one input per proposal (``data.proposals[i].inputs``),
            and when the data do not make one input (a decide actor whose power differs
            between issues).
        """
        make = FORMATS[self.format].forecast
        if make is None:
            raise InputError.at(
                str(self.path),
                None,
                "",
                f"the {self.format} format holds no single forecasting input: see the "
                f"fields of its data ({type(self.data).__name__})",
            )
        return make(self)


@dataclass(frozen=True)
class Format:
    """One importable format: its name, kind, what it reads and how."""

    name: str
    kind: Kind
    summary: str
    reads: Literal["file", "folder"]
    reader: Callable[[Path], Imported]
    forecast: Callable[[Imported], ForecastInput] | None


# ---------------------------------------------------------------------------------------
# the readers (each imports its module on first use)


def _genius(path: Path) -> Imported:
    from zopa.io.genius import read_genius

    doc = read_genius(path)
    return Imported("genius", path, doc, doc)


def _deliberation(path: Path) -> Imported:
    from zopa.io.deliberation import read_deliberation

    doc = read_deliberation(path)
    return Imported("deliberation", path, doc, doc)


def _ktab(path: Path) -> Imported:
    from zopa.io import ktab

    data = ktab.read(path, scenario=True)  # what the scenario cannot hold named at its line
    return Imported("ktab", path, ktab.to_scenario_dict(data), data)


def _decide(path: Path) -> Imported:
    from zopa.io.decide import read_decide

    return Imported("decide", path, None, read_decide(path))


def _deu(path: Path) -> Imported:
    from zopa.io.deu import read_deu3

    return Imported("deu", path, None, read_deu3(path))


def _bdm(path: Path) -> Imported:
    from zopa.io.bdm import read_bdm_csv

    return Imported("bdm", path, None, read_bdm_csv(path))


def _from_scenario(imported: Imported) -> ForecastInput:
    from zopa.forecasting.registry import from_scenario

    return from_scenario(imported.to_scenario())


def _ktab_input(imported: Imported) -> ForecastInput:
    from zopa.io.ktab import KtabData, to_forecast_input

    assert isinstance(imported.data, KtabData)
    return to_forecast_input(imported.data)


def _decide_input(imported: Imported) -> ForecastInput:
    from zopa.io.decide import DecideData, to_forecast_input

    assert isinstance(imported.data, DecideData)
    return to_forecast_input(imported.data)


def _bdm_input(imported: Imported) -> ForecastInput:
    from zopa.forecasting.base import ForecastInput

    assert isinstance(imported.data, ForecastInput)
    return imported.data


FORMATS: Mapping[str, Format] = {
    f.name: f
    for f in (
        Format(
            name="genius",
            kind="scenario",
            summary="GENIUS XML negotiation domain (ANAC): a domain file, one profile per party",
            reads="folder",
            reader=_genius,
            forecast=_from_scenario,
        ),
        Format(
            name="deliberation",
            kind="scenario",
            summary="LLM-Deliberation game (config.txt, scores_files/)",
            reads="folder",
            reader=_deliberation,
            forecast=_from_scenario,
        ),
        Format(
            name="ktab",
            kind="scenario",
            summary="KTAB Spatial Model of Politics input (.csv or .xml)",
            reads="file",
            reader=_ktab,
            forecast=_ktab_input,
        ),
        Format(
            name="decide",
            kind="data",
            summary="decide-exchange-model input (#A, #P, #M, #D rows)",
            reads="file",
            reader=_decide,
            forecast=_decide_input,
        ),
        Format(
            name="deu",
            kind="data",
            summary="DEU III data set (deu3.csv): positions, saliences, outcomes per proposal",
            reads="file",
            reader=_deu,
            forecast=None,
        ),
        Format(
            name="bdm",
            kind="data",
            summary="Bueno de Mesquita actor table (Actor, Capability, Position, Salience)",
            reads="file",
            reader=_bdm,
            forecast=_bdm_input,
        ),
    )
}
"""Every format :func:`read` knows, by name, in the order they are listed to users."""


def read(format: str, path: str | Path) -> Imported:
    """Read ``path`` in the named format.

    Parameters
    ----------
    format
        A key of :data:`FORMATS`: ``genius``, ``deliberation``, ``ktab`` (scenarios) or
        ``decide``, ``deu``, ``bdm`` (forecasting data).
    path
        The file, or for ``genius`` and ``deliberation`` the folder.

    Returns
    -------
    Imported
        The document (for scenario formats) and the format's parsed data.

    Raises
    ------
    InputError
        For an unknown format (naming the known ones), and for every problem in the input,
        naming the file, the line and the field.
    """
    found = FORMATS.get(format)
    if found is None:
        known = ", ".join(FORMATS)
        raise InputError.at(
            str(path), None, "format", f"unknown format {format!r} (known: {known})"
        )
    return found.reader(Path(path))
