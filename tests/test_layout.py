"""The house's layout: every module imports only from the layers below its own (data flows one way)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Units of the package (a subpackage, or a module of the top level), lowest first.
LAYERS = [
    {"constants", "errors", "dsp"},
    {"fileio", "parallel", "options"},
    {"plotting", "testing"},
    {"symbolic"},
    {"audio", "synth"},
    {"data"},
    {"models"},
    {"band"},
    {"arrangement"},
    {"evaluation"},
    {"baselines"},
    {"web"},
    {"cli"},
    {"__init__", "__main__"},
]
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def modules():
    """(unit, dotted name, path) of every module of the package and the baselines."""
    for path in sorted([*(ROOT / "wav2accomp").rglob("*.py"), *(ROOT / "baselines").glob("*.py")]):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[0] == "baselines":
            parts = ["wav2accomp", *parts]
        if parts[1:] and parts[1] == "pretrained":
            continue
        unit = parts[1] if len(parts) > 1 else "__init__"
        yield unit, parts, path


def imported(parts: list[str], path: Path):
    """The dotted names of the project's modules that a file imports (at the top or inside functions)."""
    package = parts if path.name == "__init__.py" else parts[:-1]
    if path.name == "__init__.py":
        package = parts[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                yield ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_every_unit_has_a_layer():
    assert {unit for unit, _, _ in modules()} <= set(LEVEL)


def test_imports_go_down_only():
    upward = []
    for unit, parts, path in modules():
        for name in imported(parts, path):
            target = name.split(".")
            if target[0] != "wav2accomp" or len(target) < 2 or target[1] == "__version__":
                continue
            if LEVEL.get(target[1], -1) > LEVEL[unit]:
                upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not upward, "\n".join(upward)
