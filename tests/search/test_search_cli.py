"""`archdsl search` usage errors and settings conflicts: caught before Ray or TensorFlow start."""

from archdsl.cli import main
from archdsl.nas.search.store import Store


def test_usage_errors_exit_2(tmp_path, capsys):
    base = ["search", "--trials", "2", "--store", str(tmp_path / "s")]
    cases = [
        (["--space", "nowhere.arch", "--evaluator", "proxy"], "expected spinenet | nasfpn"),
        (["--space", "spinenet", "--evaluator", "no_such_module:f"], "cannot import no_such_module:f"),
        (["--space", "spinenet", "--evaluator", "proxy", "--dim", "w=1,2"], "--dim applies to a spec space"),
        (["--space", "spinenet", "--evaluator", "proxy", "-D", "input_sise=128"], "has no parameter `input_sise`"),
        (["--space", "spinenet", "--evaluator", "proxy", "--objectives", "acc:up"], "name:max or name:min"),
        (["--space", "spinenet", "--evaluator", "proxy", "--mutations", "grow"], "unknown mutation 'grow'"),
    ]
    for args, message in cases:
        assert main(base + args) == 2, args
        assert message in capsys.readouterr().err, args


def test_a_store_of_another_search_is_refused(tmp_path, capsys):
    store = tmp_path / "s"
    Store(store).check_settings({"space": "nasfpn"})
    code = main(["search", "--space", "spinenet", "--evaluator", "proxy", "--trials", "2", "--store", str(store),
                 "-D", "input_size=128"])
    err = capsys.readouterr().err
    assert code == 1 and "holds a search with space = 'nasfpn', not 'spinenet'" in err and "hint:" in err


def test_the_documented_example_parses_and_its_space_builds(monkeypatch):
    import re
    import shlex

    from archdsl.cli import build_parser
    from archdsl.cli.search import _pairs, make_space

    from conftest import ROOT

    text = (ROOT / "docs" / "search.md").read_text()
    command = re.search(r"```\ncd examples/search\n(archdsl search .*?)```", text, re.S).group(1)
    argv = shlex.split(command.replace("\\\n", " "))[1:]
    monkeypatch.chdir(ROOT / "examples" / "search")
    parser = build_parser()
    args = parser.parse_args(argv)
    space = make_space(args, _pairs(args.defines, "-D", parser))
    assert space.dims == {"activation": ("relu", "swish"), "width": (8, 16, 32), "depth": (1, 2, 3)}
    assert args.evaluator == "proxy" and args.objectives == "val_accuracy:max,params:min"


def test_the_search_modules_import_neither_tensorflow_nor_ray():
    import subprocess
    import sys

    code = ("import sys, archdsl.cli, archdsl.nas.search.engine, archdsl.nas.search.proxy, archdsl.nas.search.report, "
            "archdsl.nas.search.nasfpn, archdsl.nas.search.specspace; "
            "print(sorted(m for m in ('tensorflow', 'ray', 'tf_keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
