"""Kesu's packages form layers, bottom to top, and a module imports only from its own package or
from a layer below its own: never from a layer above, never from a peer beside it in the same
layer. Every import of ``kesu.*`` counts — at module level, inside functions, under
TYPE_CHECKING — since an import moved into a function hides a cycle rather than removing it.

The order is the one the code already keeps (read from its imports); the few imports that break
it are listed in ALLOWED, each with its reason, so the test passes today and fails on any new
one. Fixing one means deleting its entry: an entry that no longer matches an import fails too.

The domain core's other half of purity — no Django, no database driver, no wall clock — is
tests/core/test_core_is_pure.py; here ``core`` is simply the bottom layer, so it may import
nothing from kesu outside itself.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import kesu

KESU = Path(kesu.__file__).resolve().parent

# Bottom → top. Packages in one layer are peers: they may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("core", "env"),  # plain Python: the domain core; reading the environment (settings, serve)
    ("db", "tasks"),  # infrastructure: plain-SQL shortcuts, the SQLite backend, schema steps; the task runner
    ("audit",),  # the tamper-evident audit chain: everything above records into it, the kernel included
    ("org",),  # departments, staff, roles, deputies
    ("policies",),  # policy versions (a version records who published it: org)
    ("notifications",),  # inbox and outbox; every layer above may notify
    ("complaints",),  # the complaint, its timeline, the kernel (lifecycle) and the one door (intake)
    ("clocks",),  # clocks, penalties and extensions of a complaint
    ("workflow",),  # handling records beside the complaint, the step registry
    ("printing",),  # paper forms, used by the pages and the reports
    ("privacy", "access"),  # retention, a customer's own data, login protection; who sees which personal data
    ("web", "portal", "api", "intake", "mailin", "reports"),  # the doors and pages: independent of each other
    ("ops",),  # bootstrap, demo data, serve
    ("project",),  # kesu/settings.py, urls.py, wsgi.py, __main__.py: they name every app
]
LAYER_OF = {package: i for i, layer in enumerate(LAYERS) for package in layer}

# Imports that break the order today: (importing module, imported module) → why it is there.
# Shrink this list; never grow it without a reason that a move would not fix.
ALLOWED: dict[tuple[str, str], str] = {
    # complaints ↔ clocks: the kernel owns every change to a complaint, its clocks included, but the
    # clock code lives in clocks, which needs the complaint below it (its models, its timeline).
    ("kesu.complaints.lifecycle", "kesu.clocks.services"): "the kernel starts and stops the clocks in its transaction",
    ("kesu.complaints.lifecycle", "kesu.clocks.people"): "whom to tell (with_role, manager_above) lives in clocks",
    ("kesu.complaints.lifecycle", "kesu.clocks.calendar"): "due times on the working calendar, before the transaction",
    ("kesu.complaints.lifecycle", "kesu.clocks.models"): "the rulebook's facts: pending extensions, unwaived penalties",
    ("kesu.complaints.lifecycle", "kesu.clocks.alerts"): "the contact-limit alert is a clocks alert",
    ("kesu.complaints.selectors", "kesu.clocks.models"): "the queues' next due time and overdue filters read clocks",
    # the doors borrow from each other instead of from a layer below
    ("kesu.intake.webhook", "kesu.mailin.services"): "service_account belongs below the doors (org), not in mailin",
    ("kesu.intake.views", "kesu.web.forms"): "record-template form fields (extra_fields) shared with the staff form",
    ("kesu.portal.views", "kesu.web.forms"): "record-template fields and add_domain_errors shared with the staff form",
    # personal data (issue 14): kesu.privacy sits below the staff pages that offer it
    ("kesu.privacy.login", "kesu.portal.limits"): "the shared one-slot limit and the trusted client address",
    ("kesu.privacy.anonymise", "kesu.mailin.models"):
        "the raw copy of a case's mail is personal data retention removes",
    ("kesu.access.services", "kesu.portal.limits"): "the shared one-slot limit (the staff phone lookup's budget)",
    # the task runner reports a failed task to the sysadmins
    ("kesu.tasks.scheduler", "kesu.clocks.people"): "with_role (staff holding a role) lives in clocks, not org",
    ("kesu.tasks.scheduler", "kesu.notifications.services"): "the failure notice; a hook would invert it",
}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted module name (a submodule when ``from package import submodule``)
    where: str  # file:line

    @property
    def upward(self) -> bool:
        a, b = package_of(self.importer), package_of(self.imported)
        return a != b and LAYER_OF[b] >= LAYER_OF[a]


def module_name(path: Path) -> str:
    parts = ("kesu", *path.relative_to(KESU).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and not (KESU / parts[1]).is_dir()):
        return "env" if parts[-1] == "env" else "project"  # kesu itself and its top-level modules
    return parts[1]


SOURCES = sorted(KESU.rglob("*.py"))
MODULES = {module_name(p) for p in SOURCES}


def kesu_imports(path: Path) -> list[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    return imports_in(path.read_text(), importer, package, str(path.relative_to(KESU.parent)))


def imports_in(source: str, importer: str, package: str, filename: str) -> list[Import]:
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importer's package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        else:
            continue
        out += [Import(importer, name, f"{filename}:{node.lineno}") for name in dict.fromkeys(names)
                if name.split(".")[0] == "kesu" and name != "kesu"]
    return out


IMPORTS = [imp for path in SOURCES for imp in kesu_imports(path)]


def test_every_package_has_a_layer():
    packages = {package_of(m) for m in MODULES}
    assert packages - LAYER_OF.keys() == set(), "place the new package in LAYERS"
    assert LAYER_OF.keys() - packages == set(), "a layer names a package that is gone"


def test_no_module_imports_from_a_layer_above_or_a_peer():
    offenders = [f"{imp.where}: {imp.importer} imports {imp.imported} "
                 f"({package_of(imp.importer)} is layer {LAYER_OF[package_of(imp.importer)]}, "
                 f"{package_of(imp.imported)} layer {LAYER_OF[package_of(imp.imported)]})"
                 for imp in IMPORTS if imp.upward and (imp.importer, imp.imported) not in ALLOWED]
    assert offenders == []


def test_every_allowed_exception_is_still_needed():
    """An entry whose import is gone is deleted, so the list only shrinks."""
    upward = {(imp.importer, imp.imported) for imp in IMPORTS if imp.upward}
    assert set(ALLOWED) - upward == set()


def test_the_db_layer_imports_no_app():
    """kesu.db sits beneath every app: Django and the standard library only."""
    assert [imp.where for imp in IMPORTS if package_of(imp.importer) == "db" and package_of(imp.imported) != "db"] == []


def test_the_reader_sees_every_kind_of_import():
    """An import inside a function, under TYPE_CHECKING or relative is still an import, and
    ``from package import submodule`` names the submodule."""
    source = """
from typing import TYPE_CHECKING
from kesu.complaints import lifecycle
if TYPE_CHECKING:
    from kesu.workflow.models import Transfer
def later():
    import kesu.web.views
    from ..clocks.models import ComplaintClock
    from . import models
"""
    found = {(imp.imported, imp.where) for imp in imports_in(source, "kesu.org.services", "kesu.org", "x.py")}
    assert found == {("kesu.complaints.lifecycle", "x.py:3"), ("kesu.workflow.models", "x.py:5"),
                     ("kesu.web.views", "x.py:7"), ("kesu.clocks.models", "x.py:8"), ("kesu.org.models", "x.py:9")}
    assert all(Import("kesu.org.services", name, "").upward for name, _ in found - {("kesu.org.models", "x.py:9")})
