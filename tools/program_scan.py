"""Which torch names public PyTorch programs use that galton lacks.

    python tools/program_scan.py                  # the table: per source, share of programs ok
    python tools/program_scan.py --json           # everything, for scripts
    python tools/program_scan.py --programs       # and, per program, the names it misses
    python tools/program_scan.py --dir some/tree  # scan the .py/.ipynb files under a folder
    python tools/program_scan.py --build-corpus   # re-list tools/program_corpus.json's paths

The corpus (``tools/program_corpus.json``) names public repositories (courses, books, official
examples, collections), a commit of each and the paths of the programs in it: the ``.py`` files
and notebooks that import torch or torchvision. The programs' code is never copied into this
project: the scan reads each file from a local bare clone of its repository
(``--mirror``, laid out as ``<mirror>/<owner>+<name>/repo``, a git directory; a missing clone
is reported and skipped) at the listed commit.

A program is parsed with ``ast`` (a notebook: its code cells joined, IPython's ``!shell`` and
``%magic`` lines dropped; if the whole does not parse, cell by cell, dropping the cells that do
not). Programs that still do not parse (Python 2) are counted apart, not scanned. Then every
torch name the program reaches *by name* is collected: the modules and names it imports
(``import torch.nn as nn``, ``from torchvision import datasets, transforms``, aliases), and each
dotted attribute path rooted at such a name (``torch.nn.Conv2d``, ``F.relu``,
``torchvision.models.resnet18``, ``torch.backends.cudnn`` for ``torch.backends.cudnn.benchmark =
True``: an assignment needs only the object it sets on). Function arguments and assignments
shadow imported names in their scope, as in Python. Uses inside ``try`` blocks that catch
ImportError/AttributeError (or any Exception), and ``x.y`` inside ``if hasattr(x, "y")``, are
guarded: the program has a fallback, so they do not count as missing.

Each name is resolved as ``galton run``'s import hook resolves it (torch -> galton, torchvision
-> galton.vision): attribute by attribute with ``getattr``, importing a submodule where the
attribute is not there yet. A name is missing from the first part that fails
(``torch.profiler.profile`` -> ``torch.profiler``). Torch names are also resolved in the
installed PyTorch: a name PyTorch 2.13 lacks too (removed APIs of old programs) is reported as
such; torchvision is not installed, so its names cannot be checked that way.

Out of reach of a static scan: methods and attributes of tensors and other objects
(``x.view(...)``, ``model.parameters()``: the scan cannot know their types), names reached
through the program's own helper modules or brought in by ``from torch import *``, and
``getattr`` with computed strings. Each file counts as one program, helper modules included.
"""
import argparse
import ast
import collections
import functools
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tools" / "program_corpus.json"
MIRROR = Path("/work/.mirror")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# names resolve as `galton run`'s import hook maps them: its own table, not a copy
from galton.run._hook import ALIASES  # noqa: E402
# exception names whose handler means "this may not exist here": the try body is guarded
_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "AttributeError", "Exception",
                     "BaseException", "NameError"}
_IMPORTS_TORCH = re.compile(r"(^|[\s\"'])(import|from)\s+torch(vision)?\b", re.M)
_MAX_BLOB = 4 << 20


# --- reading programs -------------------------------------------------------------------

def notebook_cells(text):
    """The code cells of a notebook (nbformat 4, or 3's worksheets), as strings with
    IPython's ``!shell`` / ``%magic`` lines dropped (they are not Python)."""
    nb = json.loads(text)
    cells = nb.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    out = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            src = "".join(src)
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("!", "%"))]
        out.append("\n".join(lines))
    return out


def parse_program(text, notebook):
    """``(module, cells_dropped)``: the program's AST, or ``(None, n)`` if it does not parse.

    A notebook is parsed as its code cells joined; if that fails (a cell of IPython help
    ``x?``, a shell cell), cell by cell, keeping the cells that parse."""
    if not notebook:
        try:
            return ast.parse(text), 0
        except (SyntaxError, ValueError):
            return None, 0
    try:
        cells = notebook_cells(text)
    except (ValueError, AttributeError, TypeError):
        return None, 0
    try:
        return ast.parse("\n\n".join(cells)), 0
    except (SyntaxError, ValueError):
        pass
    body, dropped = [], 0
    for cell in cells:
        try:
            body.extend(ast.parse(cell).body)
        except (SyntaxError, ValueError):
            dropped += 1
    if not body:
        return None, dropped
    return ast.Module(body=body, type_ignores=[]), dropped


# --- collecting the torch names a program uses ------------------------------------------

def _root(dotted):
    return dotted.split(".", 1)[0]


def _chain(node):
    """``a.b.c`` as ``["a", "b", "c"]``; None if the chain does not start at a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _handler_guards(handler):
    t = handler.type
    if t is None:
        return True
    names = t.elts if isinstance(t, ast.Tuple) else [t]
    for n in names:
        c = _chain(n)
        if c and c[-1] in _GUARD_EXCEPTIONS:
            return True
    return False


class _Collector(ast.NodeVisitor):
    """Walks a module in execution order, keeping which names are bound to torch paths.

    ``uses`` maps each torch path used to True if every use of it is guarded."""

    def __init__(self):
        self.scopes = [{}]      # name -> torch path, or None where a non-torch value shadows it
        self.uses = {}
        self.guard_depth = 0
        self.hasattr_guards = []  # torch paths a surrounding ``if hasattr(...)`` vouches for

    # names and scopes
    def _lookup(self, name):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _bind(self, name, path):
        self.scopes[-1][name] = path

    def _use(self, path):
        guarded = self.guard_depth > 0 or any(
            path == g or path.startswith(g + ".") for g in self.hasattr_guards)
        self.uses[path] = self.uses.get(path, True) and guarded

    def _path(self, node):
        c = _chain(node)
        if c is None:
            return None
        base = self._lookup(c[0])
        if base is None:
            return None
        return ".".join([base] + c[1:])

    def _bind_target(self, target, value_path=None):
        if isinstance(target, ast.Name):
            self._bind(target.id, value_path)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._bind_target(t)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value)
        else:
            self.visit(target)

    # imports
    def visit_Import(self, node):
        for alias in node.names:
            if _root(alias.name) not in ALIASES:
                self._bind(alias.asname or _root(alias.name), None)
                continue
            self._use(alias.name)
            if alias.asname:
                self._bind(alias.asname, alias.name)
            else:
                self._bind(_root(alias.name), _root(alias.name))

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        if node.level or _root(mod) not in ALIASES:
            for alias in node.names:
                if alias.name != "*":
                    self._bind(alias.asname or alias.name, None)
            return
        self._use(mod)
        for alias in node.names:
            if alias.name == "*":
                continue
            self._use(f"{mod}.{alias.name}")
            self._bind(alias.asname or alias.name, f"{mod}.{alias.name}")

    # bindings that shadow
    def visit_Assign(self, node):
        self.visit(node.value)
        path = self._path(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) \
            else None
        for t in node.targets:
            self._bind_target(t, path)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._bind_target(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self._bind(node.target.id, None)

    def visit_For(self, node):
        self.visit(node.iter)
        self._bind_target(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def _function(self, node, body):
        args = node.args
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)
        if not isinstance(node, ast.Lambda):
            for d in node.decorator_list:
                self.visit(d)
            for a in args.posonlyargs + args.args + args.kwonlyargs:
                if a.annotation is not None:
                    self.visit(a.annotation)
            if node.returns is not None:
                self.visit(node.returns)
            self._bind(node.name, None)
        scope = {}
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None:
                scope[a.arg] = None
        self.scopes.append(scope)
        for stmt in body:
            self.visit(stmt)
        self.scopes.pop()

    def visit_FunctionDef(self, node):
        self._function(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._function(node, [node.body])

    def visit_ClassDef(self, node):
        for n in node.bases + node.keywords + node.decorator_list:
            self.visit(n)
        self.scopes.append({})
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self._bind(node.name, None)

    def _comprehension(self, node, elts):
        self.scopes.append({})
        for gen in node.generators:
            self.visit(gen.iter)
            self._bind_target(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for e in elts:
            self.visit(e)
        self.scopes.pop()

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    # guards
    def visit_Try(self, node):
        guarded = any(_handler_guards(h) for h in node.handlers)
        self.guard_depth += guarded
        for stmt in node.body:
            self.visit(stmt)
        self.guard_depth -= guarded
        for h in node.handlers:
            if h.type is not None:
                self.visit(h.type)
            if h.name:
                self._bind(h.name, None)
            for stmt in h.body:
                self.visit(stmt)
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try

    def _hasattr_paths(self, test):
        out = []
        for n in ast.walk(test):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id == "hasattr" and len(n.args) == 2
                    and isinstance(n.args[1], ast.Constant) and isinstance(n.args[1].value, str)):
                base = self._path(n.args[0])
                if base is not None:
                    out.append(f"{base}.{n.args[1].value}")
        return out

    def _guarded_by_hasattr(self, test, parts):
        paths = self._hasattr_paths(test)
        self.hasattr_guards.extend(paths)
        for p in parts:
            if isinstance(p, list):
                for stmt in p:
                    self.visit(stmt)
            else:
                self.visit(p)
        del self.hasattr_guards[len(self.hasattr_guards) - len(paths):]

    def visit_If(self, node):
        self._guarded_by_hasattr(node.test, [node.test, node.body])
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_IfExp(self, node):
        self._guarded_by_hasattr(node.test, [node.test, node.body])
        self.visit(node.orelse)

    def visit_BoolOp(self, node):
        self._guarded_by_hasattr(node, node.values)

    # the uses
    def visit_Attribute(self, node):
        path = self._path(node)
        if path is None:
            self.visit(node.value)
            return
        if isinstance(node.ctx, ast.Load):
            self._use(path)
        else:  # ``torch.backends.cudnn.benchmark = True`` needs torch.backends.cudnn
            self._use(path.rsplit(".", 1)[0])


def torch_uses(module):
    """``{path: guarded}`` for the torch/torchvision names ``module`` (an ast.Module) uses."""
    c = _Collector()
    c.visit(module)
    return c.uses


def imports_torch(module):
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            if any(_root(a.name) in ALIASES for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if not node.level and _root(node.module or "") in ALIASES:
                return True
    return False


# --- resolving names --------------------------------------------------------------------

def _resolve_in(path, top_module_name):
    """The shortest prefix of ``path`` that is not reachable, or None if all of it is."""
    parts = path.split(".")
    try:
        obj = importlib.import_module(top_module_name)
    except ImportError:
        return parts[0]
    for i, part in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, part)
            continue
        except Exception:  # noqa: BLE001 - a lazy attribute that fails is not there
            pass
        if isinstance(obj, types.ModuleType):
            sub = f"{obj.__name__}.{part}"
            try:
                obj = importlib.import_module(sub)
                continue
            except ModuleNotFoundError as exc:
                if exc.name is not None and not (sub == exc.name or sub.startswith(exc.name + ".")):
                    return None  # the submodule exists; something it needs is not installed
            except Exception:  # noqa: BLE001 - there, but broken without an optional extra
                return None
        return ".".join(parts[:i + 1])
    return None


@functools.lru_cache(maxsize=None)
def _torchvision_names():
    spec = importlib.util.spec_from_file_location("api_coverage", Path(__file__).with_name(
        "api_coverage.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.TORCHVISION


class Resolver:
    """Resolves torch paths in galton (through the hook's mapping) and in the installed PyTorch,
    remembering the answers."""

    def __init__(self):
        self._galton = {}
        self._torch = {}

    def missing(self, path):
        """The missing prefix of ``path`` in galton, or None."""
        if path not in self._galton:
            top = _root(path)
            self._galton[path] = _resolve_in(path, ALIASES[top])
        return self._galton[path]

    def in_pytorch(self, path):
        """True/False: whether PyTorch 2.13 (torchvision 0.28) has ``path``; None where that
        cannot be said. torchvision is not installed: its transform and dataset classes are
        checked against the lists tools/api_coverage.py holds (``transforms.Scale``, removed in
        0.15, is not there); its other names are not checked."""
        parts = path.split(".")
        if parts[0] == "torchvision":
            if len(parts) == 3 and parts[1] in ("transforms", "datasets") and \
                    parts[2][:1].isupper():
                return parts[2] in _torchvision_names()[parts[1]]
            return None
        if path not in self._torch:
            self._torch[path] = _resolve_in(path, "torch") is None
        return self._torch[path]


# --- the corpus -------------------------------------------------------------------------

def load_corpus(path=CORPUS):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def gitdir(mirror, repo):
    base = Path(mirror) / repo.replace("/", "+") / "repo"
    if (base / ".git").is_dir():
        return base / ".git"
    return base if base.is_dir() else None


class _Blobs:
    """``git cat-file --batch`` on one repository: many files read through one process."""

    def __init__(self, gdir):
        self.proc = subprocess.Popen(["git", f"--git-dir={gdir}", "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, commit, path):
        self.proc.stdin.write(f"{commit}:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size + 1)[:-1]
        return data.decode("utf-8", errors="replace")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def list_programs(gdir, commit):
    """The paths at ``commit`` of ``.py`` files and notebooks that import torch/torchvision."""
    out = subprocess.run(["git", f"--git-dir={gdir}", "ls-tree", "-r", "-l", "-z", commit],
                         check=True, capture_output=True).stdout.decode("utf-8", "replace")
    candidates = []
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        _, kind, _, size = meta.split()
        # size "BAD": the object is absent (a snapshot leaves out files of 4 MiB and more)
        if kind == "blob" and path.endswith((".py", ".ipynb")) and size.isdigit() \
                and int(size) < _MAX_BLOB:
            candidates.append(path)
    blobs = _Blobs(gdir)
    try:
        return sorted(p for p in candidates if _IMPORTS_TORCH.search(blobs.read(commit, p) or ""))
    finally:
        blobs.close()


def build_corpus(mirror, corpus_path=CORPUS):
    """Re-list each source's programs at the commit its mirror's HEAD is at."""
    corpus = load_corpus(corpus_path)
    for src in corpus["sources"]:
        gdir = gitdir(mirror, src["repo"])
        if gdir is None:
            print(f"{src['repo']}: no mirror under {mirror}, left as it was", file=sys.stderr)
            continue
        src["commit"] = subprocess.run(["git", f"--git-dir={gdir}", "rev-parse", "HEAD"],
                                       check=True, capture_output=True, text=True).stdout.strip()
        src["paths"] = list_programs(gdir, src["commit"])
    with open(corpus_path, "w", encoding="utf-8") as f:
        json.dump(corpus, f, indent=1)
        f.write("\n")
    return corpus


def iter_corpus(corpus, mirror):
    """``(source, path, text)`` for every program of the corpus whose mirror is here."""
    for src in corpus["sources"]:
        gdir = gitdir(mirror, src["repo"])
        if gdir is None:
            print(f"{src['repo']}: no mirror under {mirror}, skipped", file=sys.stderr)
            continue
        blobs = _Blobs(gdir)
        try:
            for path in src["paths"]:
                text = blobs.read(src["commit"], path)
                if text is not None:
                    yield src["repo"], path, text
        finally:
            blobs.close()


def iter_dir(root):
    """``(source, path, text)`` for the .py/.ipynb files under ``root``; the source is the
    first folder below it (or ``.``)."""
    root = Path(root)
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".ipynb") and p.is_file():
            rel = p.relative_to(root)
            source = rel.parts[0] if len(rel.parts) > 1 else "."
            yield source, rel.as_posix(), p.read_text(encoding="utf-8", errors="replace")


# --- the scan ---------------------------------------------------------------------------

def scan_program(text, notebook, resolver):
    """``None`` if the program does not import torch/torchvision; else a dict: ``parsed``,
    ``uses`` (sorted paths), ``missing`` (missing prefix -> in PyTorch True/False/None),
    ``guarded_missing`` (missing prefixes only reached under a guard)."""
    module, dropped = parse_program(text, notebook)
    if module is None:
        if _IMPORTS_TORCH.search(text):
            return {"parsed": False, "cells_dropped": dropped}
        return None
    if not imports_torch(module):
        return None
    uses = torch_uses(module)
    missing, guarded = {}, set()
    for path, is_guarded in uses.items():
        gap = resolver.missing(path)
        if gap is None:
            continue
        if is_guarded:
            guarded.add(gap)
        else:
            missing[gap] = resolver.in_pytorch(gap)
    return {"parsed": True, "cells_dropped": dropped, "uses": sorted(uses),
            "missing": missing, "guarded_missing": sorted(guarded - set(missing))}


def scan(programs, kinds=None):
    """Scan ``(source, path, text)`` triples; the report as a dict. ``kinds``: source ->
    what it is (course, book...), shown in the table."""
    resolver = Resolver()
    per_program = []
    for source, path, text in programs:
        r = scan_program(text, path.endswith(".ipynb"), resolver)
        if r is None:
            continue
        r.update(source=source, path=path)
        per_program.append(r)
    return summarise(per_program, kinds)


def summarise(per_program, kinds=None):
    sources = collections.OrderedDict()
    name_programs = collections.Counter()
    name_in_pytorch = {}
    for r in per_program:
        s = sources.setdefault(r["source"], {"kind": (kinds or {}).get(r["source"], ""),
                                             "programs": 0, "unparsed": 0, "ok": 0,
                                             "ok_pytorch": 0})
        if not r["parsed"]:
            s["unparsed"] += 1
            continue
        s["programs"] += 1
        s["ok"] += not r["missing"]
        # the program misses nothing that PyTorch 2.13 itself has (old programs use removed APIs)
        s["ok_pytorch"] += all(v is False for v in r["missing"].values())
        for gap, in_pt in r["missing"].items():
            name_programs[gap] += 1
            name_in_pytorch[gap] = in_pt
    total = {k: sum(s[k] for s in sources.values())
             for k in ("programs", "unparsed", "ok", "ok_pytorch")}
    return {
        "sources": sources,
        "total": total,
        "share_ok": total["ok"] / total["programs"] if total["programs"] else None,
        "share_ok_pytorch": (total["ok_pytorch"] / total["programs"]
                             if total["programs"] else None),
        "missing": [{"name": n, "programs": c, "in_pytorch": name_in_pytorch[n]}
                    for n, c in sorted(name_programs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "per_program": per_program,
    }


def _pct(a, b):
    return f"{100.0 * a / b:5.1f} %" if b else "    -"


def print_report(report, top=30, programs=False, out=None):
    out = out or sys.stdout
    w = max([len(k) for k in report["sources"]] + [6])
    kw = max([len(s["kind"]) for s in report["sources"].values()] + [4])
    print(f"{'source':<{w}}  {'kind':<{kw}}  programs  unparsed  no missing name  "
          "none PyTorch 2.13 has", file=out)
    rows = list(report["sources"].items()) + [("total", dict(report["total"], kind=""))]
    for name, s in rows:
        if name == "total":
            print("-" * (w + kw + 66), file=out)
        print(f"{name:<{w}}  {s['kind']:<{kw}}  {s['programs']:8d}  {s['unparsed']:8d}  "
              f"{s['ok']:5d} {_pct(s['ok'], s['programs'])}  "
              f"{s['ok_pytorch']:5d} {_pct(s['ok_pytorch'], s['programs'])}", file=out)
    print(f"\n{len(report['sources'])} sources, {report['total']['programs']} programs "
          f"({report['total']['unparsed']} more do not parse as Python 3 and are left out).",
          file=out)
    partial = [r for r in report["per_program"] if r["parsed"] and r["cells_dropped"]]
    if partial:
        print(f"{len(partial)} notebooks were scanned without their "
              f"{sum(r['cells_dropped'] for r in partial)} code cells that do not parse "
              "(exercise blanks, IPython help, shell cells).", file=out)
    print(f"\nmost used missing names (of {len(report['missing'])}):", file=out)
    print(f"{'programs':>8}  in PyTorch 2.13  name", file=out)
    label = {True: "yes", False: "no", None: "? (not checked)"}
    for m in report["missing"][:top]:
        print(f"{m['programs']:8d}  {label[m['in_pytorch']]:<15}  {m['name']}", file=out)
    if programs:
        print("\nprograms with missing names:", file=out)
        for r in report["per_program"]:
            if r["parsed"] and r["missing"]:
                print(f"  {r['source']}: {r['path']}: {', '.join(sorted(r['missing']))}",
                      file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(CORPUS), help="the corpus list (JSON)")
    ap.add_argument("--mirror", default=os.environ.get("GALTON_MIRROR", str(MIRROR)),
                    help="where the bare clones are (<mirror>/<owner>+<name>/repo)")
    ap.add_argument("--dir", help="scan the .py/.ipynb files under this folder instead")
    ap.add_argument("--json", action="store_true", help="the report as JSON")
    ap.add_argument("--programs", action="store_true", help="list each program's missing names")
    ap.add_argument("--top", type=int, default=30, help="how many missing names to list")
    ap.add_argument("--build-corpus", action="store_true",
                    help="re-list the corpus's commits and program paths from the mirrors")
    args = ap.parse_args(argv)
    if args.build_corpus:
        corpus = build_corpus(args.mirror, args.corpus)
        n = sum(len(s["paths"]) for s in corpus["sources"])
        print(f"{args.corpus}: {len(corpus['sources'])} sources, {n} candidate files")
        return 0
    if args.dir:
        report = scan(iter_dir(args.dir))
    else:
        corpus = load_corpus(args.corpus)
        report = scan(iter_corpus(corpus, args.mirror),
                      {s["repo"]: s.get("kind", "") for s in corpus["sources"]})
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        print_report(report, top=args.top, programs=args.programs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
