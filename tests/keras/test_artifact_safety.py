"""Artifacts are input too: `load_model` validates the bundle, runs no code from the artifact, and
fails with one ArchError naming the file (and nothing left in $TMPDIR); writes that fail are errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

import archdsl
from archdsl import ArchError
from archdsl.cli import main
from archdsl.lower.artifacts import META, read_bundle, save, spec_bundle
from tests.conftest import ROOT

pytestmark = pytest.mark.keras
import tf_keras
TINY = "arch tiny(input_size = 32) {\n  input image: [input_size, input_size, 3]\n  c = conv 3x3 8 <- image\n  return c\n}\n"


@pytest.fixture(autouse=True)
def _own_tmpdir(tmp_path, monkeypatch):
    """Each test gets its own $TMPDIR, so "a failed load leaves nothing there" can be checked."""
    scratch = tmp_path / "TMPDIR"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield
    tf_keras.backend.clear_session()


def _scratch(tmp_path) -> list[str]:
    return sorted(os.listdir(tmp_path / "TMPDIR"))


@pytest.fixture(scope="module")
def keras_artifact(tmp_path_factory):
    """One tiny compiled `.keras` artifact, built once."""
    folder = tmp_path_factory.mktemp("artifact")
    (folder / "tiny.arch").write_text(TINY)
    arch = archdsl.load(folder / "tiny.arch")
    model = arch.to_keras()
    path = save(model, arch, str(folder / "tiny.keras"))
    return Path(path), model


def _rewrite(src: Path, dest: Path, bundle: object = None, raw: bytes | None = None) -> Path:
    """A copy of the .keras zip `src` whose archdsl.json is `bundle` (as JSON) or `raw`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            if item.filename != META:
                zout.writestr(item, zin.read(item))
        if raw is not None or bundle is not None:
            zout.writestr(META, raw if raw is not None else json.dumps(bundle))
    return dest


def _same(a, b) -> bool:
    a, b = (t if isinstance(t, dict) else {"": t} for t in (a, b))
    return a.keys() == b.keys() and all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


def test_round_trip_rebuilds_from_the_spec(keras_artifact, tmp_path):
    path, model = keras_artifact
    loaded, arch = archdsl.load_model(str(path))
    x = np.random.rand(1, 32, 32, 3).astype("float32")
    assert _same(model(x), loaded(x)) and loaded.count_params() == arch.params == 216
    trusted, _ = archdsl.load_model(str(path), trust=True)
    assert _same(model(x), trusted(x))
    assert _scratch(tmp_path) == []


@pytest.mark.parametrize("name", ["../../../../tmp/x.arch", "/tmp/abs.arch", "a/../../x.arch", "a\x00b.arch", ""])
def test_file_names_stay_in_one_folder(keras_artifact, tmp_path, name):
    path, _ = keras_artifact
    bundle = read_bundle(str(path))
    files = {**bundle["files"], name: TINY}
    body = {"main": bundle["main"], "files": files, "overrides": {}}
    from archdsl.lower.artifacts import _digest  # a correct hash: the names alone must be refused
    bad = _rewrite(path, tmp_path / "bad.keras", {**body, "sha256": _digest(body), "format": 1})
    with pytest.raises(ArchError, match=r"bad\.keras is not an archdsl artifact: file name"):
        archdsl.load_model(str(bad))
    assert not Path("/tmp/x.arch").exists() or Path("/tmp/x.arch").read_text() != TINY
    assert _scratch(tmp_path) == []


def test_main_must_be_one_of_the_files(keras_artifact, tmp_path):
    path, _ = keras_artifact
    bundle = {**read_bundle(str(path)), "main": "../outside.arch"}
    with pytest.raises(ArchError, match="`main`"):
        archdsl.load_model(str(_rewrite(path, tmp_path / "m.keras", bundle)))


def test_tampered_spec_is_refused(keras_artifact, tmp_path):
    path, _ = keras_artifact
    bundle = read_bundle(str(path))
    files = {k: v.replace("conv 3x3 8", "conv 3x3 16") for k, v in bundle["files"].items()}
    with pytest.raises(ArchError, match="does not match its sha256"):  # edited, hash left as it was
        archdsl.load_model(str(_rewrite(path, tmp_path / "t.keras", {**bundle, "files": files})))
    from archdsl.lower.artifacts import _digest  # edited and re-hashed: the weights no longer fit
    body = {"main": bundle["main"], "files": files, "overrides": {}}
    rehashed = _rewrite(path, tmp_path / "r.keras", {**body, "sha256": _digest(body), "format": 1})
    with pytest.raises(ArchError, match=r"cannot load the weights of .*r\.keras"):
        archdsl.load_model(str(rehashed))
    assert _scratch(tmp_path) == []


def test_broken_artifacts_are_one_clear_error(keras_artifact, tmp_path):
    path, _ = keras_artifact
    cases = {
        "random.keras": os.urandom(2048),
        "truncated.keras": path.read_bytes()[: path.stat().st_size // 2],
        "empty.keras": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    _rewrite(path, tmp_path / "nometa.keras")
    _rewrite(path, tmp_path / "badjson.keras", raw=b"{not json")
    _rewrite(path, tmp_path / "types.keras", {"format": 1, "main": 3, "files": ["x"], "overrides": None})
    _rewrite(path, tmp_path / "list.keras", [1, 2])
    for name in [*cases, "nometa.keras", "badjson.keras", "types.keras", "list.keras"]:
        with pytest.raises(ArchError, match=name.replace(".", r"\.")):
            archdsl.load_model(str(tmp_path / name))
    with pytest.raises(ArchError, match="no such file"):
        archdsl.load_model(str(tmp_path / "missing.keras"))
    assert _scratch(tmp_path) == []


def test_import_from_another_search_root_loads_back(tmp_path):
    specs, lib = tmp_path / "specs", tmp_path / "lib"
    specs.mkdir()
    lib.mkdir()
    (lib / "base.arch").write_text(TINY.replace("arch tiny", "arch base"))
    (specs / "main.arch").write_text('import "../lib/base.arch"\n\narch tiny = base(input_size = 16)\n')
    out = tmp_path / "m.keras"
    assert main(["compile", str(specs / "main.arch"), "-I", str(lib), "-o", str(out)]) == 0
    assert sorted(read_bundle(str(out))["files"]) == ["lib/base.arch", "specs/main.arch"]
    model, arch = archdsl.load_model(str(out))
    assert arch.outputs == {"output": (16, 16, 8)} and model.count_params() == arch.params
    assert _scratch(tmp_path) == []


def test_savedmodel_lambda_is_never_run(tmp_path):
    """A SavedModel whose Keras config holds a Lambda (code) and a valid bundle: the default load
    rebuilds from the spec, so the Lambda's code never runs."""
    marker = str(tmp_path / "pwned")
    (tmp_path / "tiny.arch").write_text(TINY)
    arch = archdsl.load(tmp_path / "tiny.arch")
    x = tf_keras.Input((32, 32, 3), name="image")
    y = tf_keras.layers.Lambda(lambda t: (open(marker, "a").close(), t)[1])(x)  # noqa: SIM115
    y = tf_keras.layers.Conv2D(8, 3, padding="same", use_bias=False, name="c")(y)
    evil = tf_keras.Model(x, y)
    out = tmp_path / "evil"
    evil.save(str(out), save_format="tf")
    (out / "assets.extra").mkdir()
    (out / "assets.extra" / META).write_text(json.dumps(spec_bundle(arch)))
    os.unlink(marker)
    try:
        model, again = archdsl.load_model(str(out))
    except ArchError as exc:  # refusing is as good as loading the spec's own model
        assert "evil" in str(exc)
    else:
        assert not any(isinstance(layer, tf_keras.layers.Lambda) for layer in model.layers)
        assert model.count_params() == again.params
    assert not os.path.exists(marker)
    archdsl.load_model(str(out), trust=True)  # what the default protects from: Keras revives the Lambda
    assert os.path.exists(marker)


def test_savedmodel_round_trip_and_kind_guard(tmp_path):
    (tmp_path / "tiny.arch").write_text(TINY)
    out = tmp_path / "sm"
    assert main(["compile", str(tmp_path / "tiny.arch"), "-o", str(out) + os.sep]) == 0
    model, arch = archdsl.load_model(str(out))
    assert model.count_params() == arch.params
    assert main(["compile", str(tmp_path / "tiny.arch"), "-o", str(out) + os.sep]) == 0  # its own: replaced
    keras_named = tmp_path / "sm.keras"
    keras_named.mkdir()
    (keras_named / "x").write_text("mine")
    assert main(["compile", str(tmp_path / "tiny.arch"), "-o", str(keras_named)]) == 1
    assert (keras_named / "x").read_text() == "mine"


_FSIZE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from archdsl.cli import main
sys.exit(main(["compile", sys.argv[1], "-o", sys.argv[2]]))
"""


@pytest.mark.parametrize("out", ["sm/", "m.keras"])
def test_a_write_past_the_file_size_limit_is_a_clean_error(tmp_path, out):
    (tmp_path / "tiny.arch").write_text(TINY)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", _FSIZE, str(tmp_path / "tiny.arch"), str(tmp_path / out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert f"error: cannot write {tmp_path / out}" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["TMPDIR", "tiny.arch"]  # no temporary file or folder left
