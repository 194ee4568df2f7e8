"""Write an imported scenario (a plain dict) as a YAML file people can read.

:func:`write_scenario` validates the dict with zopa's own loader first (an importer must
never write an invalid scenario), dumps it with PyYAML's safe dumper (keys in the dict's
order; options and per-issue utility tables in flow style, ``{id: A1, at: 0.0}``; no
anchors), checks that the text reads back as a valid scenario, and writes it
with :func:`zopa.files.write_text` (atomically, never over an input or, without ``force``,
over an existing file).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from zopa.files import write_text
from zopa.scenario.load import validate
from zopa.scenario.yamlfile import EXPONENT_FIRST, EXPONENT_FLOAT, Lines, parse_yaml


class _Flow(dict[str, Any]):
    """A mapping written in flow style (``{a: 1, b: 2}``)."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors and aliases: people read this file


# text that the loader reads as a number (``1e5``) is written quoted
_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, EXPONENT_FIRST)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


_Dumper.add_representer(_Flow, _represent_flow)


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x


def _styled(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with short option mappings and utility tables in flow style."""
    out = _plain(data)
    for issue in out.get("issues") or []:
        if isinstance(issue, dict) and isinstance(issue.get("options"), list):
            issue["options"] = [
                _Flow(o) if isinstance(o, dict) and "description" not in o else o
                for o in issue["options"]
            ]
    for pref in (out.get("preferences") or {}).values():
        if isinstance(pref, dict) and isinstance(pref.get("utilities"), dict):
            pref["utilities"] = {
                k: _Flow(v) if isinstance(v, dict) else v for k, v in pref["utilities"].items()
            }
    return out


def dump_scenario(data: dict[str, Any]) -> str:
    """The YAML text of scenario ``data`` (no validation; see :func:`write_scenario`)."""
    return yaml.dump(
        _styled(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def write_scenario(
    data: dict[str, Any],
    path: str | Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Validate scenario ``data`` and write it to ``path`` as YAML, atomically.

    Parameters
    ----------
    data
        A scenario document, as an importer returns it (:attr:`Imported.scenario
        <zopa.io.readers.Imported.scenario>`).
    path
        The file to write.
    force
        Replace ``path`` when it exists (its mode is kept).
    inputs
        The files or folders the data was read from: never written over.

    Raises
    ------
    InputError
        Naming ``path`` and the field, when the data is not a valid scenario or the file
        cannot be written (it exists without ``force``, it is an input, it is read-only);
        nothing is written then.
    """
    name = str(path)
    validate(_plain(data), Lines(), name)
    text = dump_scenario(data)
    parsed, lines = parse_yaml(text, name)
    validate(parsed, lines, name)  # the text as written reads back as a valid scenario
    write_text(path, text, force=force, inputs=inputs)
