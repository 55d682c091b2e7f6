from bplab.chapters._shared.claims import claim


def test_claim_that_holds_prints_a_tick_only(capsys):
    assert claim("loss falls below 0.1", 0.05 < 0.1, "0.050") is None
    assert capsys.readouterr().out == "✓ loss falls below 0.1\n"


def test_claim_that_fails_says_so_without_raising(capsys):
    assert claim("loss falls below 0.1", 0.2 < 0.1, "0.200") is None
    assert capsys.readouterr().out == "✗ loss falls below 0.1 — not so in this run (measured: 0.200)\n"
