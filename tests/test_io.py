import os
import stat

import pytest

from seqcase.io import atomic_directory, atomic_path, read_json, write_json


def test_write_json_round_trips_and_leaves_no_temporary_file(tmp_path):
    write_json(tmp_path / "out" / "metrics.json", {"rmse": 0.5, "nan": float("nan")})
    assert read_json(tmp_path / "out" / "metrics.json")["rmse"] == 0.5
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["metrics.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half of the new")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["report.md"]


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "models"
    target.mkdir()
    (target / "stale.keras").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as temporary:
            (temporary / "new.keras").write_text("new")
            raise RuntimeError("killed")
    assert [path.name for path in target.iterdir()] == ["stale.keras"]
    with atomic_directory(target) as temporary:
        (temporary / "new.keras").write_text("new")
    assert [path.name for path in target.iterdir()] == ["new.keras"]
    assert [path.name for path in tmp_path.iterdir()] == ["models"]


def test_a_killed_writes_temporaries_are_removed_by_the_next_write(tmp_path):
    """kill -9 leaves `.<name>.<random>.tmp` beside the target; the next write to it cleans up."""
    (tmp_path / ".models.k3x9_a1b.tmp").mkdir()  # a killed atomic_directory
    (tmp_path / ".models.k3x9_a1b.tmp" / "half.keras").write_text("half")
    (tmp_path / ".models.q0w9e8r7").mkdir()  # as writes named their temporaries before
    (tmp_path / ".report.md.abcdefgh.tmp").write_text("half")  # another target's: left alone
    (tmp_path / ".models.notours").mkdir()  # not a temporary's name: left alone
    with atomic_directory(tmp_path / "models") as temporary:
        (temporary / "new.keras").write_text("new")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".models.notours", ".report.md.abcdefgh.tmp",
                                                                "models"]
    write_json(tmp_path / "report.md", {})
    assert sorted(path.name for path in tmp_path.iterdir()) == [".models.notours", "models", "report.md"]


def test_outputs_get_the_users_umask_not_tempfiles_private_modes(tmp_path):
    previous = os.umask(0o022)
    try:
        write_json(tmp_path / "metrics.json", {"rmse": 1.0})
        with atomic_directory(tmp_path / "figures") as temporary:
            (temporary / "a.png").write_bytes(b"png")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "figures").stat().st_mode) == 0o755
