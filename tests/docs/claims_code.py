"""Claims a page makes about the code: ``slayer.*`` names, calls with keyword defaults, and
``# signatures of slayer.<module>`` listings, each checked against the installed packages.

Each ``check_*`` function takes what :mod:`doc_pages` extracted from one page and returns a list of
problems (strings naming the page, line and what disagrees); an empty list means the page holds.

* every ``slayer.x.y`` in inline code resolves by attribute access after ``import slayer``; one followed by
  ``(planned)`` must *not* exist yet (so the page is updated when it lands);
* a call in inline code, ``slayer.axon.delay(x, delay_val=1)``, or a bare ``Name(a, b=1)`` of an object named
  elsewhere on the page, has those keyword parameters with those defaults;
* a ``# signatures of slayer.x`` block lists signatures whose parameter names, order, kinds and defaults are
  ``slayer.x``'s.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from doc_pages import CodeBlock, InlineCode

_NAME = re.compile(r"(?<![\w./-])slayer((?:\.(?:[A-Za-z_]\w*|\{[\w\s,]+\}))+)")
_PLANNED = re.compile(r"^\s*\(?\s*planned\b", re.I)
_CALL = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)\((?P<args>.*)\)(?:\s*->.*)?$")
_MISSING = object()
_FILE_SUFFIXES = {"lock", "h5", "hdf5", "py", "md", "so", "json", "txt", "npz", "npy"}


def expand(dotted: str) -> list[str]:
    """``slayer.a.{b, c}.d`` -> ``[slayer.a.b.d, slayer.a.c.d]``."""
    match = re.search(r"\{([^}]*)\}", dotted)
    if not match:
        return [dotted]
    head, tail = dotted[: match.start()], dotted[match.end() :]
    return [n for choice in match[1].split(",") for n in expand(head + choice.strip() + tail)]


def resolve(dotted: str) -> Any:
    """The object ``dotted`` names, reached by attribute access from ``import slayer`` (as a user would
    after ``import slayer``; private modules such as an entry point's ``slayer.io._plugin`` are imported);
    raises ``AttributeError``/``ImportError`` if it does not exist."""
    obj: Any = importlib.import_module("slayer")
    parts = dotted.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not hasattr(obj, part):  # a private module (an entry point's): import it
            importlib.import_module(".".join(parts[: i + 1]))
        obj = getattr(obj, part)
    return obj


def documented_names(spans: Iterable[InlineCode]) -> list[tuple[InlineCode, str, bool]]:
    """``(span, name, planned)`` for every ``slayer.*`` name in the spans (brace lists expanded)."""
    found = []
    for span in spans:
        for match in _NAME.finditer(span.code):
            if match[1].rsplit(".", 1)[-1] in _FILE_SUFFIXES:
                continue  # a file name such as slayer.lock
            planned = bool(_PLANNED.match(span.code[match.end() :] or span.followed_by))
            found.extend((span, name, planned) for name in expand("slayer" + match[1]))
    return found


def check_names(spans: Iterable[InlineCode]) -> list[str]:
    problems = []
    for span, name, planned in documented_names(spans):
        try:
            resolve(name)
            exists, error = True, ""
        except (AttributeError, ImportError) as exc:
            exists, error = False, f"{type(exc).__name__}: {exc}"
        if planned and exists:
            problems.append(f"{span.where}: `{name}` is written as planned but exists now: drop '(planned)'")
        elif not planned and not exists:
            problems.append(f"{span.where}: `{name}` does not resolve after `import slayer` ({error})")
    return problems


def _call(code: str) -> ast.Call | None:
    code = code.strip().rstrip(";")
    match = _CALL.match(code)
    if not match:
        return None
    try:
        node = ast.parse(f"{match['name']}({match['args']})", mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return _MISSING


def _signature(obj: Any) -> inspect.Signature | None:
    target = obj.__init__ if inspect.isclass(obj) and "__init__" in vars(obj) else obj
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


def _same(default: Any, documented: Any) -> bool:
    if isinstance(default, (int, float, str, bool, type(None), tuple)):
        return (type(default) is type(documented) and default == documented) or (
            isinstance(default, (int, float))
            and isinstance(documented, (int, float))
            and not isinstance(default, bool)
            and not isinstance(documented, bool)
            and default == documented
        )
    return True  # a default the docs cannot write as a literal (an enum, a tensor): names only


def signature_problems(call: ast.Call, obj: Any, *, positional_names: bool) -> list[str]:
    """What in ``call`` (as documented) disagrees with ``obj``'s signature; ``[]`` if it holds."""
    sig = _signature(obj)
    if sig is None:
        return []
    params = [p for name, p in sig.parameters.items() if name not in ("self", "cls")]
    by_name = {p.name: p for p in params}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    problems = []
    if positional_names:
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for i, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred) or not isinstance(arg, ast.Name):
                continue
            if i >= len(positional):
                if not any(p.kind is p.VAR_POSITIONAL for p in params):
                    problems.append(f"argument {i + 1} `{arg.id}` is not a parameter (signature {sig})")
            elif positional[i].name != arg.id:
                problems.append(f"argument {i + 1} is `{positional[i].name}` in the code, `{arg.id}` in the docs")
    for keyword in call.keywords:
        if keyword.arg is None:
            continue
        param = by_name.get(keyword.arg)
        if param is None:
            if not var_kw:
                problems.append(f"no parameter `{keyword.arg}` (signature {sig})")
            continue
        documented = _literal(keyword.value)
        if documented is _MISSING or param.default is inspect.Parameter.empty:
            continue
        if not _same(param.default, documented):
            problems.append(f"`{keyword.arg}` defaults to {param.default!r} in the code, {documented!r} in the docs")
    return problems


def check_calls(spans: Iterable[InlineCode], context: Iterable[str]) -> list[str]:
    """Calls written in inline code: keyword names and defaults against the code.

    A qualified call (``slayer.axon.delay(...)``) is checked against that object. A bare one
    (``fill_tensor(...)``, ``Event.to_tensor(...)``) is looked up as an attribute of every name in
    ``context`` (the ``slayer.*`` names of the page, and their classes) and checked when found; it
    holds when it matches one of them.
    """
    scopes = _scopes(tuple(context))
    problems = []
    for span in spans:
        call = _call(span.code)
        if call is None:
            continue
        name = _dotted(call.func)
        if name is None:
            continue
        if name.startswith("slayer."):
            try:
                candidates = [resolve(name)]
            except (AttributeError, ImportError):
                continue  # reported by check_names
        else:
            candidates = _lookup(scopes, name)
        found = [signature_problems(call, obj, positional_names=False) for obj in candidates]
        if found and all(found):
            problems.append(f"{span.where}: `{span.code}`: " + "; ".join(found[0]))
    return problems


def check_signature_block(block: CodeBlock) -> list[str]:
    """A ``# signatures of slayer.x`` block: each ``name(params)`` line (continuation lines joined, ``->``
    results ignored) has the parameter names, order, kinds (``*``) and defaults of ``slayer.x.name``; a bare
    ``name`` line names something that exists."""
    module = block.signatures_module
    try:
        scope = resolve(module)
    except (AttributeError, ImportError) as exc:
        return [f"{block.where}: `{module}` does not resolve ({exc})"]
    problems = []
    for line, text in _joined_calls(block):
        code = text.split("#", 1)[0].split("->", 1)[0].strip()
        match = _CALL.match(code) or re.fullmatch(r"(?P<name>[A-Za-z_][\w.]*)(?P<args>)", code)
        try:
            params = ast.parse(f"def f({match['args']}): pass").body[0].args if match else None
        except SyntaxError:
            params = None
        if params is None:
            problems.append(f"{block.page}:{line}: not a signature: {code!r}")
            continue
        name = match["name"]
        try:  # relative to the block's module, or absolute (slayer.utils.quantize)
            obj = resolve(name) if name.startswith("slayer.") else scope
            for part in [] if name.startswith("slayer.") else name.split("."):
                obj = getattr(obj, part)
        except (AttributeError, ImportError):
            problems.append(f"{block.page}:{line}: `{name}` does not exist in `{module}`")
            continue
        if "(" in code:
            problems.extend(f"{block.page}:{line}: `{name}`: {p}" for p in parameter_problems(params, obj))
    return problems


def parameter_problems(documented: ast.arguments, obj: Any) -> list[str]:
    """Where a documented parameter list (``a, b=1, *, c``) disagrees with ``obj``'s signature."""
    sig = _signature(obj)
    if sig is None:
        return []
    actual = [p for name, p in sig.parameters.items() if name not in ("self", "cls")]
    if any(p.kind is p.VAR_POSITIONAL for p in actual) and not documented.kwonlyargs:
        return []  # (*args) functions such as autograd.Function.apply: the docs name what they mean
    positional = documented.posonlyargs + documented.args
    defaults = [None] * (len(positional) - len(documented.defaults)) + list(documented.defaults)
    rows = [(a.arg, d, False) for a, d in zip(positional, defaults)]
    rows += [(a.arg, d, True) for a, d in zip(documented.kwonlyargs, documented.kw_defaults)]
    code_rows = [(p.name, p.default, p.kind is p.KEYWORD_ONLY) for p in actual if p.kind not in (p.VAR_KEYWORD,)]
    if [r[0] for r in rows] != [r[0] for r in code_rows]:
        return [
            f"parameters are ({', '.join(r[0] for r in code_rows)}) in the code, ({', '.join(r[0] for r in rows)})"
            " in the docs"
        ]
    problems = []
    for (name, doc_default, doc_kwonly), (_, default, kwonly) in zip(rows, code_rows):
        if doc_kwonly != kwonly:
            problems.append(f"`{name}` is {'' if kwonly else 'not '}keyword-only in the code")
        if (doc_default is None) != (default is inspect.Parameter.empty):
            problems.append(f"`{name}` has {'no ' if default is inspect.Parameter.empty else 'a '}default in the code")
        elif doc_default is not None:
            value = _literal(doc_default)
            if value is not _MISSING and not _same(default, value):
                problems.append(f"`{name}` defaults to {default!r} in the code, {value!r} in the docs")
    return problems


def _joined_calls(block: CodeBlock) -> list[tuple[int, str]]:
    """Each signature of a block with its continuation lines (open brackets, ``->`` lines) joined."""
    calls: list[tuple[int, str]] = []
    depth = 0
    for k, raw in enumerate(block.code.split("\n")[1:], start=block.line + 1):
        text = raw.split("#", 1)[0].rstrip()
        if not text.strip():
            continue
        if depth > 0 or text.lstrip().startswith("->"):
            calls[-1] = (calls[-1][0], calls[-1][1] + " " + text.strip())
        else:
            calls.append((k, text.strip()))
        depth += text.count("(") - text.count(")")
    return calls


@cache
def _scopes(context: tuple[str, ...]) -> tuple[Any, ...]:
    scopes: list[Any] = []
    for name in context:
        try:
            obj = resolve(name)
        except (AttributeError, ImportError):
            continue
        scopes.append(obj)
        if inspect.ismodule(obj):
            scopes.extend(v for k, v in vars(obj).items() if inspect.isclass(v) and not k.startswith("_"))
    return tuple(scopes)


def _lookup(scopes: tuple[Any, ...], name: str) -> list[Any]:
    found = []
    for scope in scopes:
        obj = scope
        try:
            for part in name.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        own = getattr(obj, "__module__", "") or ""
        if callable(obj) and own.startswith("slayer") and not any(obj is f for f in found):
            found.append(obj)
    return found
