"""The importers on the published data, their errors, the registry and the shared helpers.

The data under tests/data/llm_deliberation and tests/data/anac are copies of the public
originals (see the README.md in each folder). Expected figures come from the published
game designs, never from zopa's own output: the LLM-Deliberation base game has 55
feasible deals (Abdelnabi et al. 2023), and the ANAC 2011 Laptop figures are those of
GENIUS's utility semantics, cross-checked with NegMAS's reader when it is installed.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest

from zopa.analysis.analyze import Analysis, analyze
from zopa.errors import InputError
from zopa.forecasting.base import ForecastInput
from zopa.io.decide import DecideData
from zopa.io.deliberation import read_deliberation
from zopa.io.deu import DeuData
from zopa.io.genius import read_genius
from zopa.io.ktab import KtabData
from zopa.io.readers import FORMATS, Imported, read
from zopa.io.text import read_text, scenario_slug, unique_id
from zopa.io.writer import dump_scenario, write_scenario
from zopa.io.xmltree import parse_xml
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.schema import RESERVED_KEYS
from zopa.scenario.yamlfile import Lines
from zopa.space.space import compile_space

DATA = Path(__file__).parent / "data"
BASE = DATA / "llm_deliberation" / "base"
SEVEN = DATA / "llm_deliberation" / "base_7players"
LAPTOP = DATA / "anac" / "Laptop"
PARTY = DATA / "anac" / "party"


def _analyze(data: dict[str, Any]) -> Analysis:
    return analyze(compile_space(validate(data, Lines(), "<import>")))


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def _game_scores(folder: Path) -> tuple[list[str], dict[str, list[list[float]]], dict[str, float]]:
    """The game as LLM-Deliberation's own evaluation code reads it (plain Python)."""
    ids = [line.split(",")[1] for line in (folder / "config.txt").read_text().splitlines()]
    scores, thresholds = {}, {}
    for pid in ids:
        rows = (folder / "scores_files" / f"{pid}.txt").read_text().split("\n")
        rows = [r for r in rows if r.strip()]
        scores[pid] = [[float(x) for x in r.split(",")] for r in rows[:-1]]
        thresholds[pid] = float(rows[-1])
    return ids, scores, thresholds


def _error(exc: pytest.ExceptionInfo[InputError]) -> str:
    return str(exc.value)


# ---------------------------------------------------------------------------------------
# LLM-Deliberation


def test_deliberation_base_game_has_55_feasible_deals() -> None:
    """Base game (6 parties): 55 deals pass (>= 5 of 6, SportCo and DoT among them), 12 are
    acceptable to all. Figures from the LLM-Deliberation paper's game design (55 feasible
    deals) and its score files (12 deals satisfy every party's minimum)."""
    a = _analyze(read_deliberation(BASE))
    assert a.outcomes == 3 * 3 * 4 * 4 * 5
    assert (a.zone, a.unanimous) == (55, 12)
    assert a.rule == "quota" and a.quota == 5


def test_deliberation_seven_player_game() -> None:
    """7-player game: 204 deals pass (>= 6 of 7 with p1 and p2) and 52 are unanimous.
    Expected figures from the published game's score files (LLM-Deliberation base_7players)
    by direct enumeration of its rule, as stated in the issue."""
    a = _analyze(read_deliberation(SEVEN))
    assert a.outcomes == 3 * 3 * 4 * 4 * 5 * 4
    assert (a.zone, a.unanimous) == (204, 52)
    assert a.quota == 6


def test_deliberation_roles_rule_and_sources() -> None:
    """p1/p2 become veto actors, the others parties; every party's numbers cite its file."""
    data = read_deliberation(BASE)
    roles = {a["id"]: a["role"] for a in data["actors"]}
    assert roles == {
        "mayor": "party",
        "other_cities": "party",
        "union": "party",
        "SportCo": "veto",
        "DoT": "veto",
        "enviroment": "party",
    }
    assert data["decision"]["rule"] == "quota" and data["decision"]["at_least"] == 5
    source_ids = {s["id"] for s in data["sources"]}
    assert {"game", *(f"scores-{a}" for a in roles)} <= source_ids
    union = data["preferences"]["union"]
    assert "scores_files/union.txt" in union["assumption"]
    assert union["utilities"]["A"]["source"] == {"ref": "scores-union", "quote": "15, 20, 0"}
    assert union["reservation"]["source"]["quote"] == "50"
    # names from global_instructions.txt; `at` evenly spread in file order
    a = data["issues"][0]
    assert a["name"] == "Infrastructure Mix"
    assert [o["name"] for o in a["options"]] == ["water-based", "water/land-based", "land-based"]
    assert [o["at"] for o in data["issues"][4]["options"]] == [0.0, 25.0, 50.0, 75.0, 100.0]


@pytest.mark.parametrize("folder", [BASE, SEVEN], ids=["base", "base_7players"])
def test_deliberation_scaling_is_exact(folder: Path) -> None:
    """For every deal and party: score >= minimum exactly when utility >= reservation, and
    utility is the total score over the best total (all published scores are >= 0)."""
    ids, scores, thresholds = _game_scores(folder)
    space = compile_space(validate(read_deliberation(folder), Lines(), "<import>"))
    index = list(range(space.size))
    u = space.utilities(index, actors=list(range(len(space.actors))))
    order = [space.actors.index(p) for p in ids]
    for n, package in enumerate(itertools.product(*[range(len(r)) for r in scores[ids[0]]])):
        for pid, row in zip(ids, order, strict=True):
            total = sum(scores[pid][k][o] for k, o in enumerate(package))
            best = sum(max(r) for r in scores[pid])
            assert u[row, n] == pytest.approx(total / best, abs=1e-9)
            ok = u[row, n] >= space.reservation[row] - 1e-9
            assert ok == (total >= thresholds[pid])


def _write_game(folder: Path, parties: dict[str, tuple[str, str]], instructions: bool) -> None:
    (folder / "scores_files").mkdir(parents=True)
    lines = [f"{pid.title()},{pid},{role},cooperative,none" for pid, (role, _) in parties.items()]
    (folder / "config.txt").write_text("\n".join(lines))
    for pid, (_, text) in parties.items():
        (folder / "scores_files" / f"{pid}.txt").write_text(text)
    if instructions:
        (folder / "global_instructions.txt").write_text('Issue A: "Price"\nA1: low\nA2: high\n')


def test_deliberation_negative_scores_use_an_offset(tmp_path: Path) -> None:
    """Negative scores: utility = (total - sum of negative minima) / sum of spans; the zone
    is still exactly the deals that meet every minimum (brute force over the 6 deals)."""
    game = tmp_path / "neg"
    parties = {
        "a": ("p1", "-10, 5\n0, 3, -2\n-4"),  # totals -12..8, minimum -4
        "b": ("p2", "4, -6\n-1, 0, 2\n-6"),
        "c": ("player", "1, 2\n3, 2, 1\n100"),  # minimum above the best total (5)
        "d": ("player", "0, 0\n0, 0, 0\n-1"),  # indifferent, accepts everything
    }
    _write_game(game, parties, instructions=False)
    data = read_deliberation(game)
    a = data["preferences"]["a"]
    assert a["weights"]["A"] == 15 and a["weights"]["B"] == 5
    assert a["utilities"]["A"]["A1"] == 0.0 and a["utilities"]["B"]["B1"] == 0.4
    assert a["reservation"]["value"] == pytest.approx((-4 + 12) / 20)
    assert "+ 12" in a["assumption"]
    assert data["preferences"]["c"]["reservation"]["value"] == 1.0
    assert data["preferences"]["c"]["red_lines"][0]["not"] == ["A1", "A2"]
    assert data["preferences"]["d"]["reservation"]["value"] == 0.0
    assert data["issues"][0]["name"] == "Issue A"  # no global_instructions.txt
    res = _analyze(data)
    expect_zone = expect_all = 0
    for pa, pb in itertools.product(range(2), range(3)):
        tot = {
            "a": [-10, 5][pa] + [0, 3, -2][pb],
            "b": [4, -6][pa] + [-1, 0, 2][pb],
        }
        acc = {"a": tot["a"] >= -4, "b": tot["b"] >= -6, "c": False, "d": True}
        expect_zone += sum(acc.values()) >= 3 and acc["a"] and acc["b"]
        expect_all += all(acc.values())
    assert (res.zone, res.unanimous) == (expect_zone, expect_all)
    assert res.zone > 0


def test_deliberation_issue_names_fallback_on_mismatch(tmp_path: Path) -> None:
    """global_instructions.txt that does not match the score files is not used for names."""
    game = tmp_path / "g"
    _write_game(game, {"a": ("p1", "1, 2\n0, 1, 2\n1")}, instructions=True)
    data = read_deliberation(game)
    assert data["issues"][0]["name"] == "Issue A"  # instructions give A only, files A and B
    assert _analyze(data).zone == 6  # one party (quota 1), every total is at least 1


# ---------------------------------------------------------------------------------------
# GENIUS


def test_genius_laptop() -> None:
    """ANAC 2011 Laptop under GENIUS semantics: 27 packages, a Pareto frontier of 4 and the
    Nash point (1.0, 0.815) with reservations 0. Expected figures from the published
    domain's profiles (GENIUS utilities), matched by NegMAS's reader in the peer test."""
    data = read_genius(LAPTOP)
    assert [a["id"] for a in data["actors"]] == ["buyer", "seller"]
    assert all(a["role"] == "party" for a in data["actors"])
    a = _analyze(data)
    assert a.outcomes == 27 and a.zone == 27
    assert a.pareto_size == 4
    nash = a.solutions["nash"]
    assert nash is not None
    assert {k: round(v, 3) for k, v in nash.utilities.items()} == {"buyer": 1.0, "seller": 0.815}
    assert nash.package == {"Laptop": "HP", "Harddisk": "60_Gb", "External_Monitor": "19_LCD"}
    for p in data["preferences"].values():
        assert p["reservation"]["value"] == 0.0
        assert "discount factor 0.42441038 ignored" in p["assumption"]
    names = [o.get("name", o["id"]) for o in data["issues"][2]["options"]]
    assert names == ["19'' LCD", "20'' LCD", "23'' LCD"]


def test_genius_party_domain_loads_and_analyses() -> None:
    """The GENIUS multilateral Party domain: 9 profiles, 6 issues of 4 values (3072 deals,
    4*4*4*4*3*4), no reservation values (0), so every deal is in the zone."""
    data = read_genius(PARTY)
    assert [a["id"] for a in data["actors"]] == [f"party{i}" for i in range(1, 10)]
    a = _analyze(data)
    assert a.outcomes == 3072 and a.zone == 3072 and a.unanimous == 3072
    assert 0 < a.pareto_size < 3072
    assert a.solutions["nash"] is not None
    for p in data["preferences"].values():
        assert p["reservation"]["value"] == 0.0
        assert "GENIUS default 0" in p["reservation"]["assumption"]


def test_genius_domain_found_by_content_not_name(tmp_path: Path) -> None:
    """A profile whose name contains 'domain' (as in ANAC Grocery) is still a profile."""
    folder = _copy(LAPTOP, tmp_path)
    (folder / "laptop_buyer_utility.xml").rename(folder / "laptop_domain_buyer.xml")
    (folder / "notes.xml").write_text("<notes><note>no issues here</note></notes>")
    data = read_genius(folder)
    assert [a["id"] for a in data["actors"]] == ["domain_buyer", "seller_utility"]
    assert "Skipped (no issues): notes.xml" in data["description"]
    assert _analyze(data).pareto_size == 4


# ---------------------------------------------------------------------------------------
# round trip and writing


@pytest.mark.parametrize(
    "reader, folder",
    [
        (read_deliberation, BASE),
        (read_deliberation, SEVEN),
        (read_genius, LAPTOP),
        (read_genius, PARTY),
    ],
    ids=["base", "base_7players", "laptop", "party"],
)
def test_round_trip(reader: Any, folder: Path, tmp_path: Path) -> None:
    """import -> write_scenario -> load_scenario gives the same analysis."""
    data = reader(folder)
    out = tmp_path / "scenario.yaml"
    write_scenario(data, out)
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.yaml"]  # no temp file left
    before, after = _analyze(data), analyze(compile_space(load_scenario(out)))
    assert (after.outcomes, after.zone, after.unanimous, after.pareto_size) == (
        before.outcomes,
        before.zone,
        before.unanimous,
        before.pareto_size,
    )
    for name, sol in before.solutions.items():
        other = after.solutions[name]
        assert (sol is None) == (other is None)
        if sol is not None and other is not None:
            assert other.package == sol.package
            assert other.utilities == pytest.approx(sol.utilities, abs=1e-12)


def test_written_yaml_is_readable() -> None:
    """Options and utility tables in flow style, keys in the importer's order, no anchors."""
    text = dump_scenario(read_genius(LAPTOP))
    assert text.startswith("zopa: 1\nid: laptop\n")
    assert "- {id: Dell, at: 0.0}" in text
    assert "Laptop: {Dell: 0.4, Macintosh: 0.666666666667, HP: 1.0}" in text
    assert "&id" not in text and "*id" not in text


def test_write_refuses_an_invalid_scenario(tmp_path: Path) -> None:
    """An invalid dict raises InputError naming the field; the old file is left untouched."""
    out = tmp_path / "s.yaml"
    out.write_text("previous\n")
    data = read_genius(LAPTOP)
    data["preferences"]["buyer"]["utilities"]["Laptop"]["Dell"] = 1.5
    with pytest.raises(InputError) as exc:
        write_scenario(data, out)
    assert "preferences.buyer.utilities.Laptop.Dell" in _error(exc)
    assert str(out) in _error(exc)
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def test_write_into_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write in"):
        write_scenario(read_genius(LAPTOP), tmp_path / "no" / "such" / "s.yaml")


# ---------------------------------------------------------------------------------------
# malformed input: file, line and field in every message


def test_deliberation_missing_config(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_deliberation(tmp_path)
    assert _error(exc) == f"{tmp_path / 'config.txt'}: cannot read the file: file not found"


def test_deliberation_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        read_deliberation(tmp_path / "nope")


def test_deliberation_missing_score_file(tmp_path: Path) -> None:
    game = _copy(BASE, tmp_path)
    (game / "scores_files" / "union.txt").unlink()
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert _error(exc) == (
        f"{game / 'config.txt'}:3: file: score file scores_files/union.txt not found"
    )


def test_deliberation_non_number_score(tmp_path: Path) -> None:
    game = _copy(BASE, tmp_path)
    path = game / "scores_files" / "mayor.txt"
    lines = path.read_text().splitlines()
    lines[2] = "24, 18x, 12, 0"
    path.write_text("\n".join(lines))
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert _error(exc) == f"{path}:3: C2: '18x' is not a number"


def test_deliberation_missing_threshold(tmp_path: Path) -> None:
    game = _copy(BASE, tmp_path)
    path = game / "scores_files" / "DoT.txt"
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert _error(exc).startswith(f"{path}:6: threshold: missing threshold")


def test_deliberation_bad_threshold_and_shape(tmp_path: Path) -> None:
    game = _copy(BASE, tmp_path)
    dot = game / "scores_files" / "DoT.txt"
    dot.write_text(dot.read_text().replace("\n65", "\nsixty-five"))
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert _error(exc) == f"{dot}:6: threshold: 'sixty-five' is not a number"
    dot.write_text("0, 11\n0, 20, 25\n0, 2, 4, 9\n10, 26, 40, 0\n4, 8, 15, 12, 0\n65")
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert _error(exc).startswith(f"{dot}:1: A: 2 option score(s), but scores_files/")


def test_deliberation_bad_config_line(tmp_path: Path) -> None:
    game = _copy(BASE, tmp_path)
    cfg = game / "config.txt"
    lines = cfg.read_text().splitlines()
    lines[1] = "Other cities"
    lines[4] = "Department of Tourism,mayor,p2,greedy,gpt-4-low"
    cfg.write_text("\n".join(lines))
    with pytest.raises(InputError) as exc:
        read_deliberation(game)
    assert exc.value.problems[0].line == 2 and exc.value.problems[0].field == "role"
    assert str(exc.value.problems[1]) == (
        f"{cfg}:5: file: 'mayor' is listed twice (first on line 1)"
    )


def test_genius_bad_xml_names_the_parser_position(tmp_path: Path) -> None:
    folder = _copy(LAPTOP, tmp_path)
    path = folder / "laptop_seller_utility.xml"
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace("</item>", "</itm>")  # line 6
    path.write_text("\n".join(lines))
    with pytest.raises(InputError) as exc:
        read_genius(folder)
    assert _error(exc).startswith(f"{path}:6: malformed XML: mismatched tag")


def test_genius_unknown_issue(tmp_path: Path) -> None:
    folder = _copy(LAPTOP, tmp_path)
    path = folder / "laptop_buyer_utility.xml"
    path.write_text(path.read_text().replace('name="Harddisk"', 'name="Hard disk"'))
    with pytest.raises(InputError) as exc:
        read_genius(folder)
    first = exc.value.problems[0]
    assert (first.file, first.line, first.field) == (str(path), 12, "issue")
    assert "unknown issue 'Hard disk'" in first.message


def test_genius_bad_values(tmp_path: Path) -> None:
    folder = _copy(LAPTOP, tmp_path)
    path = folder / "laptop_buyer_utility.xml"
    text = path.read_text()
    text = text.replace('evaluation="20" description="quality', 'evaluation="x" description="q')
    text = text.replace('value="HP"', 'value="Lenovo"')
    text = text.replace('<reservation value="0" />', '<reservation value="1.5" />')
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        read_genius(folder)
    got = {(p.line, p.field): p.message for p in exc.value.problems}
    assert got[(7, "issue 'Laptop'.Macintosh")] == "'x' is not a number"
    assert got[(9, "issue 'Laptop'.item")].startswith("unknown value 'Lenovo'")
    assert got[(2, "reservation")] == "1.5 is out of range: must be in [0, 1]"
    assert all(p.file == str(path) for p in exc.value.problems)


def test_genius_no_domain_or_profiles(tmp_path: Path) -> None:
    folder = _copy(LAPTOP, tmp_path)
    (folder / "laptop_domain.xml").unlink()
    with pytest.raises(InputError, match="domain: no domain file"):
        read_genius(folder)
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(LAPTOP / "laptop_domain.xml", only)
    with pytest.raises(InputError, match="profile: no utility profile"):
        read_genius(only)
    two = _copy(LAPTOP, tmp_path / "two")
    shutil.copy(LAPTOP / "laptop_domain.xml", two / "other_domain.xml")
    with pytest.raises(InputError, match="several files could be the domain"):
        read_genius(two)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no \.xml file"):
        read_genius(empty)


def test_genius_rejects_doctype_and_non_discrete(tmp_path: Path) -> None:
    folder = _copy(LAPTOP, tmp_path)
    dom = folder / "laptop_domain.xml"
    original = dom.read_text()
    dom.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]>\n' + original)
    with pytest.raises(InputError) as exc:
        read_genius(folder)
    assert _error(exc) == f"{dom}:1: DOCTYPE declarations (DTDs, entities) are not allowed"
    dom.write_text(
        original.replace('name="Harddisk" type="discrete"', 'name="Harddisk" type="integer"')
    )
    with pytest.raises(InputError, match="integer issues are not supported"):
        read_genius(folder)


# ---------------------------------------------------------------------------------------
# side by side with NegMAS (a peer implementation, optional)


def _negmas_genius_ufuns(folder: Path) -> tuple[Any, list[Any]]:
    """NegMAS's own GENIUS reader, then GENIUS's per-issue normalisation (eval / max,
    weights / sum): NegMAS keeps the raw evaluations."""
    from negmas.inout import Scenario
    from negmas.preferences import LinearAdditiveUtilityFunction

    sc = Scenario.from_genius_folder(folder, ignore_discount=True)
    assert sc is not None
    ufuns = []
    for u in sc.ufuns:
        values = []
        for v in u.values:
            top = max(v.mapping.values())
            values.append({k: x / top for k, x in v.mapping.items()})
        total = sum(u.weights)
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values=values,
                weights=[w / total for w in u.weights],
                outcome_space=sc.outcome_space,
                reserved_value=u.reserved_value,
                name=u.name,
            )
        )
    return sc, ufuns


@pytest.mark.peer
def test_laptop_against_negmas() -> None:
    """Pareto frontier and Nash point of Laptop: zopa's import and engine vs NegMAS's reader,
    ``pareto_frontier`` and ``nash_points``."""
    pytest.importorskip("negmas")
    from negmas.preferences import nash_points, pareto_frontier

    sc, ufuns = _negmas_genius_ufuns(LAPTOP)
    outcomes = list(sc.outcome_space.enumerate_or_sample())
    front, idx = pareto_frontier(ufuns, outcomes=outcomes)
    (nash_u, nash_i), *_ = nash_points(ufuns, frontier=front, outcome_space=sc.outcome_space)

    data = read_genius(LAPTOP)
    a = _analyze(data)
    names = {
        i["id"]: {o["id"]: o.get("name", o["id"]) for o in i["options"]} for i in data["issues"]
    }

    def as_negmas(package: dict[str, str]) -> tuple[str, ...]:
        return tuple(names[k][v] for k, v in package.items())

    assert {as_negmas(p.package) for p in a.pareto} == {outcomes[int(i)] for i in idx}
    assert len(idx) == a.pareto_size == 4
    nash = a.solutions["nash"]
    assert nash is not None
    assert as_negmas(nash.package) == outcomes[int(idx[nash_i])]
    assert list(nash.utilities.values()) == pytest.approx([float(x) for x in nash_u], abs=1e-9)


@pytest.mark.peer
def test_party_frontier_against_negmas() -> None:
    """The nine-party Party domain against NegMAS's ``pareto_frontier`` (a peer, side by
    side): the same frontier up to the 1e-9 tolerance."""
    pytest.importorskip("negmas")
    from negmas.preferences import pareto_frontier

    sc, ufuns = _negmas_genius_ufuns(PARTY)
    outcomes = list(sc.outcome_space.enumerate_or_sample())
    _, idx = pareto_frontier(ufuns, outcomes=outcomes)
    data = read_genius(PARTY)
    a = analyze(compile_space(validate(data, Lines(), "<import>")), pareto_limit=10_000)
    names = {
        i["id"]: {o["id"]: o.get("name", o["id"]) for o in i["options"]} for i in data["issues"]
    }
    ours = {tuple(names[k][v] for k, v in p.package.items()) for p in a.pareto}
    theirs = {outcomes[int(i)] for i in idx}
    # NegMAS compares floats exactly; zopa compares utilities with a 1e-9 tolerance. So
    # every zopa frontier package is on NegMAS's, and each package only NegMAS keeps is
    # dominated, within 1e-9, by one of zopa's (here one package, tied with the package
    # that beats it up to a 1.1e-16 float difference on one decider).
    assert ours <= theirs
    extra = theirs - ours
    assert len(extra) <= 1

    def u(o: tuple) -> list[float]:
        return [float(f(o)) for f in ufuns]

    for o in extra:
        uo = u(o)
        assert any(
            all(a >= b - 1e-9 for a, b in zip(u(q), uo, strict=True))
            and any(a > b + 1e-9 for a, b in zip(u(q), uo, strict=True))
            for q in ours
        ), o


# ---------------------------------------------------------------------------------------
# the registry: one reader interface for every format

KTAB_XML = DATA / "ktab" / "smpExample.xml"
KTAB_CSV = DATA / "ktab" / "dummyData_3Dim.csv"
READS = [
    ("genius", LAPTOP, dict),
    ("deliberation", BASE, dict),
    ("ktab", KTAB_XML, KtabData),
    ("ktab", KTAB_CSV, KtabData),
    ("decide", DATA / "decide" / "sample_data.txt", DecideData),
    ("deu", DATA / "deu3" / "deu3.csv", DeuData),
    ("bdm", DATA / "bdm_scholz" / "ExampleActors.csv", ForecastInput),
]
SCENARIO_READS = [r for r in READS if FORMATS[r[0]].kind == "scenario"]


def test_registry_lists_every_format_once() -> None:
    assert list(FORMATS) == ["genius", "deliberation", "ktab", "decide", "deu", "bdm"]
    assert {n: f.kind for n, f in FORMATS.items()} == {
        "genius": "scenario",
        "deliberation": "scenario",
        "ktab": "scenario",
        "decide": "data",
        "deu": "data",
        "bdm": "data",
    }
    assert all(f.name == n for n, f in FORMATS.items())
    assert {r[0] for r in READS} == set(FORMATS)


@pytest.mark.parametrize(("fmt", "path", "data_type"), READS, ids=[r[2].__name__ for r in READS])
def test_read_each_format(fmt: str, path: Path, data_type: type) -> None:
    imported = read(fmt, str(path))
    assert isinstance(imported, Imported)
    assert (imported.format, imported.path) == (fmt, path)
    assert isinstance(imported.data, data_type)
    if FORMATS[fmt].kind == "scenario":
        assert isinstance(imported.scenario, dict) and imported.scenario["zopa"] == 1
        assert imported.document() is imported.scenario
    else:
        assert imported.scenario is None
        with pytest.raises(InputError) as exc:
            imported.to_scenario()
        assert _error(exc).startswith(f"{path}: the {fmt} format holds forecasting data")
        assert "scenario formats: genius, deliberation, ktab" in _error(exc)


@pytest.mark.parametrize(("fmt", "path", "data_type"), READS, ids=[r[2].__name__ for r in READS])
def test_forecast_input_where_the_format_has_one(fmt: str, path: Path, data_type: type) -> None:
    imported = read(fmt, path)
    if fmt == "deu":  # one input per proposal
        with pytest.raises(InputError, match=r"no single forecasting input.*DeuData"):
            imported.forecast_input()
        return
    inputs = imported.forecast_input()
    assert isinstance(inputs, ForecastInput) and inputs.actors and inputs.issues
    if FORMATS[fmt].kind == "scenario":
        sc = imported.to_scenario()
        assert inputs.issues == tuple(i.id for i in sc.issues)


def test_read_gives_what_the_format_modules_give() -> None:
    from zopa.io import ktab

    assert read("genius", LAPTOP).scenario == read_genius(LAPTOP)
    assert read("deliberation", BASE).scenario == read_deliberation(BASE)
    assert read("ktab", KTAB_CSV).scenario == ktab.to_scenario_dict(ktab.read(KTAB_CSV))


def test_read_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(InputError) as exc:
        read("negmas", LAPTOP)
    assert _error(exc) == (
        f"{LAPTOP}: format: unknown format 'negmas' "
        "(known: genius, deliberation, ktab, decide, deu, bdm)"
    )


@pytest.mark.parametrize(
    ("fmt", "path", "data_type"), SCENARIO_READS, ids=[r[1].name for r in SCENARIO_READS]
)
def test_to_scenario_equals_loading_the_written_file(
    fmt: str, path: Path, data_type: type, tmp_path: Path
) -> None:
    imported = read(fmt, path)
    out = tmp_path / "out.yaml"
    write_scenario(imported.document(), out)
    assert imported.to_scenario().model_dump() == load_scenario(out).model_dump()


def test_to_scenario_names_the_path_and_field() -> None:
    imported = read("genius", LAPTOP)
    doc = dict(imported.document(), id="Not An Id")
    broken = Imported(imported.format, imported.path, doc, imported.data)
    with pytest.raises(InputError) as exc:
        broken.to_scenario()
    assert exc.value.problems[0].file == str(LAPTOP)
    assert exc.value.problems[0].field == "id"


# ---------------------------------------------------------------------------------------
# the shared XML parser

XML = """<?xml version="1.0" encoding="UTF-8"?>
<root a="1">
  <item value="x">  some text  </item>
  <item
      value="y"/>
  <group><item value="z"/></group>
</root>
"""


def test_xml_keeps_lines_text_and_attributes() -> None:
    root = parse_xml(XML.encode(), "f.xml")
    assert (root.tag, root.attrib, root.line) == ("root", {"a": "1"}, 2)
    items = list(root.iter("item"))
    assert [(i.attrib["value"], i.line) for i in items] == [("x", 3), ("y", 4), ("z", 6)]
    assert items[0].text == "some text"
    assert items[0].source_line == '<item value="x">  some text  </item>'
    assert items[1].source_line == "<item"  # the line the start tag begins on
    assert [i.attrib["value"] for i in root.findall("item")] == ["x", "y"]
    group = root.find("group")
    assert group is not None and root.find("nothing") is None
    assert [i.line for i in group.findall("item")] == [6]
    text_root = parse_xml(XML.replace(' encoding="UTF-8"', ""), "f.xml")
    assert [i.line for i in text_root.iter("item")] == [3, 4, 6]


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "r.dtd">\n<r/>',
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ELEMENT r ANY>]>\n<r/>',
    ],
    ids=["external", "internal"],
)
def test_xml_refuses_dtds(doc: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_xml(doc.encode(), "d.xml")
    assert _error(exc) == "d.xml:2: DOCTYPE declarations (DTDs, entities) are not allowed"


@pytest.mark.parametrize(
    "doc",
    [
        # billion laughs: never expanded
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        "<lolz>&lol2;</lolz>",
        # XXE: an external entity is never fetched
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_refuses_entities(doc: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_xml(doc, "e.xml")
    assert _error(exc) == "e.xml:2: DOCTYPE declarations (DTDs, entities) are not allowed"


def test_xml_undeclared_entity_and_malformed_name_the_line() -> None:
    with pytest.raises(InputError) as exc:
        parse_xml("<r>\n<a>&x;</a>\n</r>", "u.xml")
    assert _error(exc).startswith("u.xml:2: malformed XML: undefined entity")
    with pytest.raises(InputError) as exc:
        parse_xml(b"<r>\n<a>\n</b>\n</r>", "m.xml")
    assert _error(exc) == "m.xml:3: malformed XML: mismatched tag (column 3)"
    with pytest.raises(InputError, match=r"^n\.xml:1: malformed XML: no element found"):
        parse_xml(b"", "n.xml")


def test_ktab_and_genius_share_the_parser(tmp_path: Path) -> None:
    doctype = '<?xml version="1.0"?><!DOCTYPE Scenario [<!ENTITY x "y">]><Scenario/>'
    (tmp_path / "k.xml").write_text(doctype)
    with pytest.raises(InputError) as exc:
        read("ktab", tmp_path / "k.xml")
    assert (
        _error(exc)
        == f"{tmp_path / 'k.xml'}:1: DOCTYPE declarations (DTDs, entities) are not allowed"
    )


# ---------------------------------------------------------------------------------------
# the shared text helpers


def test_read_text_bounds_decodes_and_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_bytes(b"\xef\xbb\xbfone\r\ntwo\rthree\n")
    assert read_text(f) == "one\ntwo\nthree\n"
    with pytest.raises(InputError) as exc:
        read_text(f, max_bytes=4)
    assert _error(exc) == f"{f}: file is larger than the 4 bytes an importer's input may be"
    f.write_bytes(b"ok\nok\n\xff\n")
    with pytest.raises(InputError) as exc:
        read_text(f)
    assert _error(exc) == f"{f}:3: not UTF-8 text (invalid start byte)"
    with pytest.raises(InputError) as exc:
        read_text(tmp_path / "absent.txt")
    assert _error(exc) == f"{tmp_path / 'absent.txt'}: cannot read the file: file not found"
    with pytest.raises(InputError, match="cannot read the file: it is a folder"):
        read_text(tmp_path)


def test_ids_avoid_every_reserved_word_of_the_schema() -> None:
    taken: set[str] = set()
    assert [unique_id(w, taken, "x") for w in sorted(RESERVED_KEYS)] == [
        f"{w}_" for w in sorted(RESERVED_KEYS)
    ]
    taken = set()
    assert [unique_id(t, taken, "f") for t in ("a b", "a-b", "a b", "", "**")] == [
        "a_b",
        "a-b",
        "a_b_2",
        "f",
        "f_2",
    ]
    assert unique_id("range", set(), "d0", reserved_suffix="_dim") == "range_dim"
    assert scenario_slug("ANAC Laptop (2011)", "genius") == "anac-laptop-2011"
    assert scenario_slug("***", "game") == "game"
    assert scenario_slug("x" * 50, "game", 40) == "x" * 40


def test_genius_option_named_like_a_distribution_imports(tmp_path: Path) -> None:
    """An option called ``normal`` (a distribution kind the schema reserves) gets an id the
    scenario accepts; its name is kept."""
    folder = _copy(LAPTOP, tmp_path)
    for f in folder.glob("*.xml"):
        f.write_text(f.read_text().replace('value="Dell"', 'value="normal"'))
    data = read_genius(folder)
    first = data["issues"][0]["options"][0]
    assert (first["id"], first["name"]) == ("normal_", "normal")
    validate(data, Lines(), "<import>")
