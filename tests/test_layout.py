"""The house's layout, held against the code (README, "Where things live").

The layers, from the ground up: the shared vocabulary (the Thai calendar, the levels, the
registers, the extensions), the models, access, the services, the views, then the security
manager, the commands and the factory that wire them. An import only runs down: a module never
imports one of a higher layer, no two modules import each other in a circle, no module uses
another's private (underscore) names, and no module grows past what one reader holds in mind.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
MAX_LINES = 500

# The layer of each module, lowest first: the first prefix that matches a module's name.
LAYERS = (
    ("app.thai", "app.levels", "app.registers", "app.extensions", "app.passwords", "app.i18n",
     "app.permission_labels", "app.fields"),
    ("app.models",),
    ("app.access",),
    ("app.services",),
    ("app.views",),
    ("app.security", "app.cli"),
    ("app",),
)


def modules():
    """{module name: path} of every Python module under app/."""
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def layer_of(name):
    for number, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return number
    raise AssertionError(f"{name} is in no layer of LAYERS")


def resolve(name):
    """The module of ours that ``name`` (a module, or a name inside one) is, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name):
    """[(imported module, names taken from it, line)] of one module, wherever the import stands
    (a function's import counts as much as the top of the file)."""
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = resolve(alias.name)
                if target:
                    found.append((target, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MODULES:  # from app.services import audit: the module itself
                    found.append((full, (), node.lineno))
                else:
                    target = resolve(base)
                    if target:
                        found.append((target, (alias.name,), node.lineno))
    return found


def aliases_of(name):
    """{local name: module of ours} bound by ``import``/``from ... import module`` in ``name``."""
    tree = ast.parse(MODULES[name].read_text())
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in MODULES:
                    bound[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in MODULES:
                    bound[alias.asname] = alias.name
    return bound


def test_every_module_is_in_a_layer():
    assert all(layer_of(name) is not None for name in MODULES)


def test_imports_only_run_down():
    upward = [f"{name}:{line} imports {target}"
              for name in MODULES for target, _names, line in imports_of(name)
              if layer_of(target) > layer_of(name)]
    assert not upward, "\n".join(upward)


def test_no_import_circle():
    graph = {name: {t for t, _n, _l in imports_of(name) if t != name and not
                    (name == "app" or t == "app")} for name in MODULES}
    state, circles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


def test_no_module_uses_anothers_private_names():
    used = []
    for name, path in MODULES.items():
        for target, names, line in imports_of(name):
            used += [f"{name}:{line} imports {target}.{n}" for n in names
                     if n.startswith("_") and not n.startswith("__") and target != name]
        aliases = aliases_of(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                used.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not used, "\n".join(used)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_grows_past_one_readers_hold(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)}: {lines} lines"


def test_the_layers_are_what_the_readme_says():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Where things live", 1)[-1]
    for path in ("app/thai.py", "app/levels.py", "app/registers.py", "app/models/",
                 "app/access.py", "app/services/", "app/views/", "app/security.py",
                 "app/__init__.py"):
        assert path in section, f"README's map does not name {path}"
