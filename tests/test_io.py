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
