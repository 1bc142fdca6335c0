"""Static checks of the notebooks' code, used by tests/test_notebook_hygiene.py and the workshop's
skip-path check (workshop/skip_paths.py).

- `timing_asserts`: asserts that order a timing (CONTRIBUTING.md: never a wall-clock time, never a
  timing ratio). A value is a timing when its name says so (STRONG: *_ms, *_s, seconds, elapsed,
  latency, speedup, overshare, time, ...; a string key such as d["best_ms"] counts as a name), when
  it comes from a timer (time.perf_counter(), timeit, ...) or from a function that returns a timing
  (best_of(fn)), or when it was computed from timings (arithmetic, min/max/median, a list of
  timings, a loop over them), in this cell or an earlier one. So `t_pil = best_of(...)` is a
  timing, and so is any t_name (t_pil, t0) unless its name says what else it is: `t_flops`, a
  count of FLOPs, `t_mem`, a memory size, and `t_stat`, a t-statistic, are not. Only ordering comparisons
  (<, <=, >, >=) count: an equality is no speed claim.
- `undefined_names`: the names a sequence of cells loads before any of them (or the setup)
  defines them, for running a subset of a notebook's cells in order.
"""

from __future__ import annotations

import ast
import re
import symtable

STRONG = re.compile(r"(?i)^(?:\w*_)?(?:ms|us|ns|secs?|seconds?|elapsed|durations?|latenc(?:y|ies)|"
                    r"speed_?ups?|slow_?downs?|overshares?|throughputs?|fps|wall|times?|timings?|timed|"
                    r"timers?|timeit|perf_counter(?:_ns)?|process_time(?:_ns)?|monotonic(?:_ns)?|"
                    r"bench\w*)(?:_\w*)?$|^\w+_(?:ms|s)$|^t_[a-z]\w*$|^t\d+$|^dt$")
NOT_TIMING = re.compile(r"(?i)step|stamp|stat|acc|loss|mse|flop|mac|param|mib|gib|byte|mem|count|shape|"
                        r"total_seconds|minute|hour|day|date")
AGGREGATES = {"min", "max", "sum", "sorted", "float", "int", "round", "abs", "mean", "median", "fmean",
              "average", "quantile", "percentile", "item", "tolist", "array", "asarray", "tensor",
              "stack", "values", "list", "tuple", "fromiter"}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def python_source(source: str) -> str:
    """Cell source as plain Python: IPython magics and shell escapes become `pass`."""
    if source.lstrip().startswith("%%"):
        return "pass"
    return "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in source.splitlines())


def is_timing_word(word: str) -> bool:
    if re.search(r"(?i)(?:_ms|_s|seconds?|secs?)$", word) and word != "total_seconds":
        return True  # a unit of time at the end wins: step_seconds, loss_ms
    return bool(STRONG.match(word)) and not NOT_TIMING.search(word)


def _key(node: ast.AST) -> str | None:
    """A subscript's key when it reads as a name (d["best_ms"]); prose keys (d["one image"]) do not."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
        return node.value
    return None


def _bound_names(target: ast.AST) -> set[str]:
    """The variables an assignment target binds or updates (`d[k] = ...` updates d)."""
    while isinstance(target, ast.Subscript | ast.Attribute | ast.Starred):
        target = target.value
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_bound_names(t) for t in target.elts)) if target.elts else set()
    return set()


def _walk_scope(node: ast.AST):
    """The nodes under node, in source order, without entering function bodies (read separately)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield child
            continue
        yield from _walk_scope(child)


class Timings:
    """What is known to hold a timing while a notebook's code cells are read in order."""

    def __init__(self):
        self.names: set[str] = set()
        self.funcs: dict[str, list[bool] | bool] = {}  # True: returns a timing; [..]: per tuple slot

    def value(self, node: ast.AST | None, local: frozenset = frozenset()) -> bool:
        """Does this expression evaluate to a timing (or to a container of timings only)?"""
        names = self.names | local
        if node is None:
            return False
        if isinstance(node, ast.Name):
            return is_timing_word(node.id) or node.id in names
        if isinstance(node, ast.Attribute):
            return is_timing_word(node.attr) or self.value(node.value, local)
        if isinstance(node, ast.Subscript):
            key = _key(node.slice)
            if key is not None and is_timing_word(key):
                return True
            if key is not None and NOT_TIMING.search(key):
                return False
            return self.value(node.value, local)
        if isinstance(node, ast.BinOp):
            return self.value(node.left, local) or self.value(node.right, local)
        if isinstance(node, ast.UnaryOp):
            return self.value(node.operand, local)
        if isinstance(node, ast.IfExp):
            return self.value(node.body, local) or self.value(node.orelse, local)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if is_timing_word(name) or self.funcs.get(name) is True:
                return True
            if name in AGGREGATES:
                inner = [*node.args] + ([func.value] if isinstance(func, ast.Attribute) else [])
                return any(self.value(a, local) for a in inner)
            return False
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return bool(node.elts) and all(self.value(e, local) for e in node.elts)
        if isinstance(node, ast.Dict):
            return bool(node.values) and all(self.value(v, local) for v in node.values)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = self.comprehension_names(node.generators, local)
            return self.value(node.value if isinstance(node, ast.DictComp) else node.elt, inner)
        return False

    def comprehension_names(self, generators, local: frozenset) -> frozenset:
        for gen in generators:
            local = local | self.loop_targets(gen.target, gen.iter, local)
        return local

    def loop_targets(self, target: ast.AST, it: ast.AST, local: frozenset = frozenset()) -> set[str]:
        """The names a `for target in it` binds to timings."""
        pair = isinstance(target, ast.Tuple) and len(target.elts) == 2
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "items":
            return _bound_names(target.elts[1]) if pair and self.value(it.func.value, local) else set()
        if isinstance(it, ast.Call) and getattr(it.func, "id", "") == "enumerate" and it.args:
            return _bound_names(target.elts[1]) if pair and self.value(it.args[0], local) else set()
        return _bound_names(target) if self.value(it, local) else set()

    def slots(self, node: ast.AST) -> list[bool] | None:
        """Per-slot timings of a call to a function that returns a tuple, else None."""
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            found = self.funcs.get(name)
            return found if isinstance(found, list) else None
        return None

    def assign(self, targets: list[ast.AST], value: ast.AST) -> None:
        for target in targets:
            slots = self.slots(value)
            if (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)
                    and len(target.elts) == len(value.elts)):
                for t, v in zip(target.elts, value.elts, strict=True):
                    self.assign([t], v)
            elif isinstance(target, ast.Tuple | ast.List) and slots and len(slots) == len(target.elts):
                for t, timing in zip(target.elts, slots, strict=True):
                    if timing:
                        self.names |= _bound_names(t)
            elif self.value(value):
                self.names |= {n for n in _bound_names(target) if not NOT_TIMING.search(n)}

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Record whether a function returns a timing, or which slots of the tuple it returns do."""
        saved = set(self.names)
        self.read(node.body)
        returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
        tuples = [r for r in returns if isinstance(r, ast.Tuple)]
        if returns and all(self.value(r) for r in returns):
            self.funcs[node.name] = True
        elif tuples and len({len(t.elts) for t in tuples}) == 1:
            self.funcs[node.name] = [any(self.value(t.elts[k]) for t in tuples)
                                     for k in range(len(tuples[0].elts))]
        self.names = saved

    def read(self, body: list[ast.stmt]) -> None:
        for _ in range(2):  # twice: a loop may make a timing of a name its first lines use
            for stmt in body:
                for node in _walk_scope(stmt):
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.function(node)
                    elif isinstance(node, ast.Assign):
                        self.assign(node.targets, node.value)
                    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                        self.assign([node.target], node.value)
                    elif isinstance(node, ast.For):
                        self.names |= self.loop_targets(node.target, node.iter)
                    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                          and node.func.attr in ("append", "extend", "add", "insert")
                          and node.args and self.value(node.args[-1])):
                        self.names |= _bound_names(node.func.value)

    def asserts(self, tree: ast.AST) -> list[str]:
        found = []
        for node in _walk_scope(tree):
            if not isinstance(node, ast.Assert):
                continue
            local = frozenset()
            for comp in ast.walk(node.test):
                if isinstance(comp, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
                    local = self.comprehension_names(comp.generators, local)
            for cmp in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
                if any(isinstance(op, ORDERING) for op in cmp.ops) and any(
                        self.value(side, local) for side in [cmp.left, *cmp.comparators]):
                    found.append(ast.unparse(node)[:160])
                    break
        return found


def timing_asserts(sources: list[str]) -> list[tuple[int, str]]:
    """(index in sources, the assert) for every assert that orders a timing, over the code cells of
    one notebook in order (asserts inside functions included)."""
    known, found = Timings(), []
    for k, source in enumerate(sources):
        try:
            tree = ast.parse(python_source(source))
        except SyntaxError:
            continue
        known.read(tree.body)
        found += [(k, text) for text in known.asserts(tree)]
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            found += [(k, text) for text in known.asserts(fn)]
    return found


# --- figures quoted from another notebook (CONTRIBUTING.md: cross-notebook quotes) ------------
NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?")
# references, not figures: "notebook 01", "§4", "section 3", "exercise 2", "Table 1", "Eq. 2"
REFERENCE = re.compile(r"(?i)(?:§|\bnotebooks?\s+|\bsections?\s+|\bexercises?\s+|\btable\s+|\beq\.?\s*|"
                       r"\bfig(?:ure)?\.?\s*)\d+(?:[.–-]\d+)*")
NOTEBOOK_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])+)\]"
                           r"\(((?:\.\./|\./)?(?:notebooks/)?(\d\d)_[\w.-]+\.ipynb)(#[^)\s]*)?\)")


def normal_number(token: str) -> str:
    """A number as compared: no sign, no thousands separators, no trailing zeros after the point
    (`1,619` = `1619`, `0.90` = `0.9`, `−8.1` = `8.1`)."""
    t = token.lstrip("-−+").replace(",", "")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t.lstrip("0") or "0" if not t.startswith("0.") else t


def numbers(text: str) -> list[str]:
    """The figures in a text, references to notebooks and sections left out."""
    return [m.group(0).rstrip(",") for m in NUMBER.finditer(REFERENCE.sub(" ", text))]


def output_text(nb: dict) -> str:
    """What a notebook prints: stream text, text/plain and text/markdown outputs."""
    parts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text = out.get("text", "")
                parts.append(text if isinstance(text, str) else "".join(text))
            for mime in ("text/plain", "text/markdown"):
                data = out.get("data", {}).get(mime)
                if data is not None:
                    parts.append(data if isinstance(data, str) else "".join(data))
    return "\n".join(parts)


def printed_numbers(nb: dict) -> set[str]:
    return {normal_number(t) for t in NUMBER.findall(output_text(nb))}


def missing_numbers(text: str, printed: set[str]) -> list[str]:
    """The figures of a quote that the quoted notebook does not print."""
    return [t for t in numbers(text) if normal_number(t) not in printed]


def cross_quotes(markdown: str, own: str) -> list[tuple[str, str]]:
    """(link text, two-digit number of the linked notebook) for each Markdown link to another
    notebook whose text holds a figure."""
    return [(m.group(1), m.group(3)) for m in NOTEBOOK_LINK.finditer(markdown)
            if m.group(3) != own and numbers(m.group(1))]


# --- names a sequence of cells needs (workshop skip paths) -----------------------------------
IPYTHON_NAMES = {"display", "get_ipython", "In", "Out", "_", "__", "___", "exit", "quit"}


def _global_refs(table: symtable.SymbolTable) -> set[str]:
    """Names a nested scope (and the scopes inside it) reads from the module's globals."""
    found = {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
    for child in table.get_children():
        found |= _global_refs(child)
    return found


def _global_writes(table: symtable.SymbolTable) -> set[str]:
    found = {s.get_name() for s in table.get_symbols() if s.is_declared_global() and s.is_assigned()}
    for child in table.get_children():
        found |= _global_writes(child)
    return found


def cell_names(source: str) -> tuple[set[str], set[str], dict[str, set[str]]] | None:
    """(names the cell defines at module level, names it reads when it runs, and for each function
    or class it defines the global names its body reads when called), or None if it does not parse."""
    try:
        top = symtable.symtable(python_source(source), "<cell>", "exec")
    except SyntaxError:
        return None
    defined = {s.get_name() for s in top.get_symbols()
               if s.is_assigned() or s.is_imported() or s.is_namespace()}
    reads = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    deferred: dict[str, set[str]] = {}
    for child in top.get_children():
        if child.get_type() == "function" and child.get_name() not in ("lambda", "listcomp", "setcomp",
                                                                         "dictcomp", "genexpr"):
            deferred.setdefault(child.get_name(), set()).update(_global_refs(child))
            defined |= _global_writes(child)
        elif child.get_type() == "class":
            body = {s.get_name() for s in child.get_symbols() if s.is_referenced() and s.is_global()}
            reads |= body  # a class body runs when the class is defined
            methods = [_global_refs(m) for m in child.get_children()]
            deferred.setdefault(child.get_name(), set()).update(*methods)
        else:  # lambdas and comprehensions at module level run (or may run) right away
            reads |= _global_refs(child)
    return defined, reads, deferred


def undefined_names(sources: list[str], known: set[str] = frozenset()) -> list[tuple[int, list[str]]]:
    """For cells run in this order, the names each one needs (directly, or through a function or
    class of an earlier cell that it calls) that no earlier cell, nor the cell itself, defines.
    `known`: names defined before the first cell (none by default)."""
    import builtins

    defined = set(known) | set(dir(builtins)) | IPYTHON_NAMES
    deferred: dict[str, set[str]] = {}
    problems = []
    for k, source in enumerate(sources):
        parsed = cell_names(source)
        if parsed is None:
            continue
        own, reads, own_deferred = parsed
        for name, needs in own_deferred.items():
            deferred[name] = set(needs)
        needed, todo, seen = set(), list(reads), set()
        while todo:  # a call of a function needs what its body reads, and so on
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            needed.add(name)
            todo += deferred.get(name, ())
        missing = sorted(n for n in needed - defined - own)
        if missing:
            problems.append((k, missing))
        defined |= own
    return problems
