"""No module imports itself back, even through a function-level import (scripts/import_graph.py)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "import_graph.py"


@pytest.mark.parametrize("package", ["alliance", "bench"])
def test_no_import_cycles(package, capsys):
    spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([package]) == 0, capsys.readouterr().out
