"""Many simulated runs on a Dask scheduler give the same bytes as local processes and as
one process (the blocks are seeded by [seed, block], whoever runs them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import zopa
from zopa.simulation.setup import setup
from zopa.studies import rounds

SIM = """
simulation:
  protocol: alternating
  rounds: 12
  strategies:
    A: {kind: linear}
    B: {kind: conceder}
  shocks:
    - {kind: walk_out, actor: B, probability: 0.05}
"""


def test_runs_on_dask_equal_local_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    toy = Path(__file__).parent / "data" / "toy.yaml"
    path = tmp_path / "toy_sim.yaml"
    path.write_text(toy.read_text() + SIM)
    sc = zopa.load(path)
    monkeypatch.setattr(rounds, "BLOCK", 300)  # several blocks, and two Dask tasks
    monkeypatch.setattr(rounds, "DASK_RUNS", 600)
    one = zopa.simulate(sc, runs=1000, seed=7).to_json()
    two = zopa.simulate(sc, runs=1000, seed=7, workers=2).to_json()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        remote = zopa.simulate(sc, runs=1000, seed=7, scheduler=cluster.scheduler_address)
    assert json.dumps(one) == json.dumps(two) == json.dumps(remote.to_json())
    # the walk-out happens: P(no walk-out in k rounds) = 0.95 ** k
    assert 0 < one["ends"]["walk_out"] < 1
    assert one["runs"] == 1000
    s = setup(sc)
    assert len(rounds.blocks(1000, rounds.BLOCK)) == 4 and s.rounds == 12
