"""Formula text → Value graph, safely: ``parse("(x+y)*z**2", x=2, y=-3, z=2)``.

The text is read by Python's own parser (``ast``) and then checked against an explicit
whitelist — numbers, names, ``+ - * / **``, unary minus, parentheses and the functions in
``FUNCTIONS`` — before a single Value is built. Nothing in the text is ever run as code:
there is no ``eval``, ``exec`` or ``compile`` here, and anything outside the whitelist
(attribute access, indexing, lambdas, calls of other names, ...) is an error that points
at the offending text.

Lecture notation is welcome: ``z^2`` and ``z²`` mean ``z**2``, ``·`` and ``×`` mean ``*``,
``σ`` is the sigmoid, ``ln`` the natural log, ``−`` (the typographic minus) is ``-``, and
subscript digits are plain digits (``w₁`` is the name ``w1``).

    >>> f = parse("(x + y) * z²", x=2, y=-3, z=2)
    >>> f.data
    -4.0
    >>> f.backward()

The leaves are labelled by their names; a name used twice is one leaf with two edges
(``x*x`` has one ``x``), so its gradient is the sum over both paths.

A formula may name its intermediates as the slides do, in statements separated by ``;`` or
new lines; each name can be used in later statements, and the last statement is the output,
labelled with its name (a formula without names has its output labelled ``f``):

    >>> f = parse("a = x + y; b = z**2; f = a * b", x=2, y=-3, z=2)
    >>> f.label, f.inputs[0].label, f.inputs[1].label
    ('f', 'a', 'b')
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Callable, Iterator, Mapping

from microgradx import ops
from microgradx.domain import check_number
from microgradx.engine import Value, apply
from microgradx.ops import Op

__all__ = ["parse", "ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH"]


class _Functions(Mapping[str, Callable[..., Value]]):
    """The functions a formula may call, by name: every op of the table that has a formula
    name (``exp``, ``ln``, ``σ``, ...) and every op made with ``define_op``, read afresh
    from the table at each use."""

    def _table(self) -> dict[str, Op]:
        return ops.functions()

    def __getitem__(self, name: str) -> Callable[..., Value]:
        op = self._table()[name]
        if op.format_param is not None:  # leaky_relu: its default slope
            op = op.bind(op.default_param)
        return lambda *args: apply(op, args)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __contains__(self, name: object) -> bool:
        return name in self._table()

    def arity(self, name: str) -> int | None:
        """How many arguments the function takes (None: any number)."""
        return self._table()[name].arity


FUNCTIONS = _Functions()

MAX_LENGTH = 10_000  # characters: a formula for a slide is far shorter
MAX_DEPTH = 100  # nested brackets, and consecutive signs such as "- - - x"
_LARGEST_FLOAT = 1.7976931348623157e308

_BINARY: dict[type[ast.AST], Callable[[Value, Value], Value]] = {
    ast.Add: Value.__add__,
    ast.Sub: Value.__sub__,
    ast.Mult: Value.__mul__,
    ast.Div: Value.__truediv__,
}

# Lecture notation → Python notation, one character at a time.
_REPLACEMENTS = {
    "^": "**",
    "·": "*",  # middle dot
    "⋅": "*",  # dot operator
    "×": "*",
    "∗": "*",
    "÷": "/",
    "−": "-",  # minus sign
    "\t": " ",
    "\n": " ",
    "\r": " ",
    "\u00a0": " ",  # no-break space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))

# What the user wrote, in words, for the Python constructs a formula cannot contain.
_FORBIDDEN = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.IfExp: "'if ... else'",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.NamedExpr: "assignment (':=')",
    ast.Starred: "unpacking ('*')",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Tuple: "tuples (a comma outside a function call)",
    ast.List: "lists ('[...]')",
    ast.Dict: "dicts ('{...}')",
    ast.Set: "sets ('{...}')",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.Slice: "slices",
}
_OPERATOR_WORDS = {
    ast.Mod: "'%'",
    ast.FloorDiv: "'//'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.Not: "'not'",
}


def _allowed() -> str:
    return "numbers, names, + - * / ** (or ^), parentheses and the functions " + ", ".join(
        FUNCTIONS
    )


class ExpressionError(ValueError):
    """A formula that cannot become a graph: what is wrong, and where in the text.

    Attributes:
        reason: what is wrong, in one sentence.
        text: the formula as given.
        column: 1-based column of the offending text (None if it is not one place).
        end_column: the column just after it.

    ``str(error)`` is the reason followed by the formula and a caret line under the
    offending text.
    """

    def __init__(
        self, reason: str, text: str, column: int | None = None, end_column: int | None = None
    ) -> None:
        self.reason = reason
        self.text = text
        self.column = column
        self.end_column = end_column if end_column is not None else column
        super().__init__(self._message())

    def __reduce__(self) -> tuple:
        return type(self), (self.reason, self.text, self.column, self.end_column)

    def _message(self) -> str:
        if self.column is None:
            return self.reason
        excerpt, caret_at, caret_width = _excerpt(
            self.text, self.column - 1, (self.end_column or self.column) - 1
        )
        return f"{self.reason}\n    {excerpt}\n    {' ' * caret_at}{'^' * caret_width}"


def _excerpt(text: str, start: int, end: int, width: int = 72) -> tuple[str, int, int]:
    """The part of ``text`` around [start, end) that fits a terminal line, and the caret span."""
    shown = "".join(ch if ch.isprintable() else " " for ch in text)
    end = max(end, start + 1)
    left = 0
    if len(shown) > width:
        left = max(0, min(start - width // 3, len(shown) - width))
    right = min(len(shown), left + width)
    excerpt = shown[left:right]
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(shown) else ""
    caret_at = len(prefix) + start - left
    caret_width = max(1, min(end, right + 1) - start)
    return prefix + excerpt + suffix, caret_at, caret_width


def parse(text: str, /, **values: float | Value) -> Value:
    """Build the Value graph of the formula ``text``, with a value for each of its names.

    Args:
        text: the formula, e.g. ``"(x+y)*z**2"`` or ``"-log(σ(y·(w1·x1 + w2·x2)))"``, or
            named statements separated by ``;`` or new lines: ``"a = x + y; f = a * z"``.
        values: a number for every name in the formula (``x=2``), or a Value, which is
            then used as that leaf itself (its gradient lands in it).

    Returns:
        The root Value. Each name is one leaf labelled by the name, however often it
        is used; numbers become unlabelled constant leaves; inner nodes show their op,
        or the name a statement gives them (``a = x + y``). The root is labelled with
        its statement's name, or ``f`` for a formula without names.
        A power with a constant exponent (``z**2``, ``x**-1``, ``x**(1/2)``) is one
        ``**n`` node, with the exponent as a number rather than a leaf.

    Raises:
        ExpressionError: the text is not a formula (with the column and a caret), a
            name has no value, a value is given for a name the formula does not use,
            or an operation is undefined at these values (e.g. ``log`` of a negative).
        TypeError: a value is not a real number or a Value.
        ValueError: a value is NaN or infinite.
    """
    if not isinstance(text, str):
        raise TypeError(f"the formula must be a str, got {type(text).__name__}")
    source, origin = _to_python_notation(text)
    tree = _python_ast(text, source, origin)
    statements = _statements(tree, text, source, origin)
    for _, expression in statements:
        _check_whitelist(expression, text, source, origin)
    leaves = _leaves(statements, values, text, source, origin)
    return _build(statements, leaves, text, source, origin)


# ----------------------------------------------------------------------
# Steps of parse.
# ----------------------------------------------------------------------


def _to_python_notation(text: str) -> tuple[str, list[int]]:
    """Rewrite lecture notation as Python; ``origin[i]`` is where source[i] came from in text.

    Checks the length, the characters and the nesting depth first, so that the
    parser is only ever given short, shallow text.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the formula is {len(text):,} characters long; the limit is {MAX_LENGTH:,}", text
        )
    if not text.strip():
        raise ExpressionError("empty formula: write one such as (x + y) * z**2", text)
    pieces: list[str] = []
    origin: list[int] = []
    depth = 0
    signs = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    f"brackets nested more than {MAX_DEPTH} deep: split the formula", text, i + 1
                )
        elif ch in ")]}":
            depth -= 1
        if ch in "+-−~":
            signs += 1
            if signs > MAX_DEPTH:
                raise ExpressionError(
                    f"more than {MAX_DEPTH} signs in a row: simplify them", text, i + 1
                )
        elif not ch.isspace():
            signs = 0
        if ch == "\n" and depth <= 0:
            # a new line ends a statement, as ";" does (inside brackets it is a space)
            ended = "".join(pieces).rstrip().endswith(";") or not "".join(pieces).strip()
            new = " " if ended else ";"
        elif ch in _REPLACEMENTS:
            new = _REPLACEMENTS[ch]
        elif ch in _SUPERSCRIPTS:
            previous = text[i - 1] if i > 0 else ""
            new = _SUPERSCRIPTS[ch] if previous in _SUPERSCRIPTS else "**" + _SUPERSCRIPTS[ch]
        elif ch in _SUBSCRIPTS:
            new = _SUBSCRIPTS[ch]
        elif unicodedata.category(ch).startswith("C"):
            name = unicodedata.name(ch, "a control character")
            raise ExpressionError(
                f"the character U+{ord(ch):04X} ({name.lower()}, often invisible) cannot appear "
                "in a formula: delete it, or type the formula again by hand",
                text,
                i + 1,
            )
        else:
            new = ch
        pieces.append(new)
        origin.extend([i] * len(new))
    origin.append(len(text))
    source = "".join(pieces)
    indent = len(source) - len(source.lstrip(" "))  # Python would call it an indented block
    return source[indent:], origin[indent:]


def _python_ast(text: str, source: str, origin: list[int]) -> ast.Module:
    """Python's parse tree of ``source`` (a tree of data: nothing is run)."""
    try:
        return ast.parse(source, mode="exec")
    except SyntaxError as error:
        reason = error.msg
        column = error.offset if error.offset and error.offset <= len(source) else None
        if "Exceeds the limit" in reason:
            reason = "a number with thousands of digits: write it in scientific notation (1e400)"
            column = None
        elif reason == "invalid decimal literal":
            reason = "a number runs into a name: write multiplication explicitly (2*x, not 2x)"
        elif reason.startswith(("cannot assign to", "cannot delete")):
            reason = _NAMES_ONLY
        elif reason.startswith("invalid syntax"):
            if column is None:
                reason = "invalid syntax: the formula ends too early"
                raise ExpressionError(reason, text, len(text) + 1) from None
            reason = _syntax_hint(source, column - 1)
        if column is None:
            raise ExpressionError(reason, text) from None
        end = error.end_offset if error.end_offset and error.end_offset > column else column + 1
        start, stop = _span_in_text(origin, column - 1, end - 1)
        raise ExpressionError(reason, text, start, stop) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "the formula is too long a chain of operations, or nested too deeply, for Python's "
            "parser (about 1000 operations in a chain is the limit): split it into smaller parts",
            text,
        ) from None
    except ValueError as error:  # e.g. characters the parser's encoder rejects
        raise ExpressionError(f"cannot read the formula: {error}", text) from None


_EQUALS = (
    "'=' names a part of the formula: write name = formula, as in a = x + y; b = z**2; "
    "f = a * b (and give the variables' values separately, x=3)"
)
_NAMES_ONLY = "the left of '=' must be one name, as in a = x + y"
_SIDE_BY_SIDE = (
    "invalid syntax: two terms side by side; write the operator between them (x*y, not x y) "
    "and call functions with brackets (sin(x), not sin x)"
)


def _syntax_hint(source: str, start: int) -> str:
    """What Python's "invalid syntax" at source[start] most likely means in a formula."""
    here = source[start : start + 1]
    if here == "=":
        return _EQUALS
    before = source[:start].rstrip()[-1:]
    if (before.isalnum() or before in ("_", ")")) and (here.isalnum() or here in ("_", "(")):
        return _SIDE_BY_SIDE
    return "invalid syntax"


def _span_in_text(origin: list[int], start: int, end: int) -> tuple[int, int]:
    """1-based [column, end_column) in the original text of source[start:end]."""
    start = min(max(start, 0), len(origin) - 1)
    end = min(max(end, start + 1), len(origin) - 1)
    return origin[start] + 1, origin[end - 1] + 2


def _node_span(node: ast.AST, source: str, origin: list[int]) -> tuple[int, int]:
    """The columns of an ast node in the original text (ast counts UTF-8 bytes)."""
    encoded = source.encode("utf-8")

    def chars(byte_offset: int) -> int:
        return len(encoded[:byte_offset].decode("utf-8", errors="ignore"))

    start = chars(node.col_offset)  # type: ignore[attr-defined]
    end = chars(node.end_col_offset or node.col_offset)  # type: ignore[attr-defined]
    return _span_in_text(origin, start, end)


Statement = tuple[str, ast.expr]  # (the name it defines, "" for the bare last formula; its formula)


def _statements(tree: ast.Module, text: str, source: str, origin: list[int]) -> list[Statement]:
    """The formula's statements: ``name = formula`` each, the last may be a bare formula."""
    statements: list[Statement] = []
    defined: set[str] = set()
    for statement in tree.body:  # what is not a formula at all first: import, +=, ...
        if not isinstance(statement, (ast.Expr, ast.Assign)):
            reason = f"{_STATEMENTS.get(type(statement), 'this statement')} is not allowed: " + (
                "a formula's statements are name = formula, separated by ; or new lines"
            )
            raise ExpressionError(reason, text, *_node_span(statement, source, origin))
    for k, statement in enumerate(tree.body):
        last = k == len(tree.body) - 1
        if isinstance(statement, ast.Expr) and last:
            statements.append(("", statement.value))
            continue
        if isinstance(statement, ast.Expr):
            reason = "only the last statement may be a formula alone: name this one (a = ...)"
        elif len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            reason = _NAMES_ONLY
        else:
            assert isinstance(statement, ast.Assign)
            name = statement.targets[0].id
            if name in FUNCTIONS:
                reason = f"{name!r} is a function: give the value another name"
            elif name in defined:
                reason = f"{name!r} is named twice: give each part its own name"
            else:
                defined.add(name)
                statements.append((name, statement.value))
                continue
        raise ExpressionError(reason, text, *_node_span(statement, source, origin))
    if not statements:
        raise ExpressionError("empty formula: write one such as (x + y) * z**2", text)
    return statements


_STATEMENTS = {
    ast.AugAssign: "'+=' (and the like)",
    ast.AnnAssign: "a type annotation",
    ast.Import: "'import'",
    ast.ImportFrom: "'import'",
    ast.Pass: "'pass'",
}


def _check_whitelist(expression: ast.expr, text: str, source: str, origin: list[int]) -> None:
    """Raise for the first (outermost, leftmost) construct that is not allowed in a formula."""
    stack: list[ast.AST] = [expression]
    while stack:
        node = stack.pop()
        problem = _problem(node)
        if problem is not None:
            reason, where = problem
            raise ExpressionError(reason, text, *_node_span(where, source, origin))
        if isinstance(node, ast.Call):
            children: list[ast.AST] = list(node.args)
        else:
            children = [
                child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
            ]
        stack.extend(reversed(children))


def _problem(node: ast.AST) -> tuple[str, ast.AST] | None:
    """Why ``node`` may not appear in a formula, and the part to point at; None if it may."""
    known = ", ".join(FUNCTIONS)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return f"{value!r} is not a number: a formula may use {_allowed()}", node
        if isinstance(value, complex):
            return "complex numbers are not supported: use real numbers", node
        if isinstance(value, (str, bytes)):
            return "text in quotes is not allowed in a formula", node
        if abs(value) > _LARGEST_FLOAT:
            return "this number is too large for a float (the limit is about 1.8e308)", node
        return None
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            return (
                f"{node.id!r} is a function: call it as {node.id}(...), or rename the variable",
                node,
            )
        return None
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)):
            return None
        return (
            f"the operator {_OPERATOR_WORDS[type(node.op)]} is not allowed: use {_allowed()}",
            node,
        )
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return f"{_FORBIDDEN[ast.Attribute]} is not allowed: a formula may call only {known}", (
                node.func
            )
        if not isinstance(node.func, ast.Name):
            return (
                f"only named functions can be called ({known}); to multiply by a bracket, "
                "write '*' before it: (x+y)*(x-y), 2*(x+1)",
                node.func,
            )
        name = node.func.id
        if name not in FUNCTIONS:
            reason = f"unknown function {_shown(name)!r} (known: {known})"
            if len(name) <= 2 or not name.isalpha():  # a variable's name, such as x or w1
                reason += (
                    f"; if {_shown(name)} is a variable, write {_shown(name)}*(...) to multiply"
                )
            return reason, node.func
        if node.keywords:
            return f"{name}(...) takes no keyword arguments: write {name}(x)", node.keywords[0]
        arity = FUNCTIONS.arity(name)
        if arity is not None and len(node.args) != arity:
            count = "exactly one argument" if arity == 1 else f"{arity} arguments"
            return f"{name}(...) takes {count}, got {len(node.args)}", node
        if not node.args:
            return f"{name}(...) needs at least one argument", node
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                return f"{_FORBIDDEN[ast.Starred]} is not allowed: write {name}(x)", argument
        return None
    what = _FORBIDDEN.get(type(node), type(node).__name__)
    return f"{what}: not allowed in a formula, which may use {_allowed()}", node


def _leaves(
    statements: list[Statement],
    values: dict[str, float | Value],
    text: str,
    source: str,
    origin: list[int],
) -> dict[str, Value]:
    """One leaf per variable of the formula, from ``values``; every variable needs one, and only
    those. Names the formula defines (a = ...) are not variables: they need no value."""
    values = _normalized_names(values, text)
    named = {name for name, _ in statements if name}
    defined: set[str] = set()
    first_use: dict[str, ast.Name] = {}
    for name, expression in statements:
        called = {id(node.func) for node in ast.walk(expression) if isinstance(node, ast.Call)}
        used = [
            node
            for node in ast.walk(expression)
            if isinstance(node, ast.Name) and id(node) not in called
        ]
        for node in sorted(used, key=lambda node: node.col_offset):
            if node.id in defined:
                continue
            if node.id in named:
                raise ExpressionError(
                    f"{node.id!r} is used before it is named: name it in an earlier statement",
                    text,
                    *_node_span(node, source, origin),
                )
            first_use.setdefault(node.id, node)
        if name:
            defined.add(name)
    given_named = [name for name in values if name in named]
    if given_named:
        raise ExpressionError(
            f"value given for {given_named[0]!r}, which the formula defines "
            f"({given_named[0]} = ...): give values only for its variables",
            text,
        )
    missing = [name for name in first_use if name not in values]
    unused = [name for name in values if name not in first_use]
    if missing:
        node = first_use[missing[0]]
        give = " ".join(f"{_shown(name)}=<number>" for name in missing)
        listed = ", ".join(repr(_shown(name)) for name in missing)
        raise ExpressionError(
            f"no value for {listed} — give {give}" + _name_hint(missing, unused),
            text,
            *_node_span(node, source, origin),
        )
    if unused:
        listed = ", ".join(repr(_shown(name)) for name in unused)
        used = ", ".join(_shown(name) for name in first_use) or "no names"
        raise ExpressionError(
            f"value given for {listed}, which the formula does not use (it uses: {used})", text
        )
    leaves: dict[str, Value] = {}
    for name, value in values.items():
        if isinstance(value, Value):
            leaves[name] = value
        else:
            leaves[name] = Value(check_number(value, f"the value for {name!r}"), name)
    return leaves


def _normalized_names(values: dict[str, float | Value], text: str) -> dict[str, float | Value]:
    """The values by name as Python reads names (NFKC: ``ｘ`` and ``w₁`` are ``x`` and ``w1``)."""
    normalized: dict[str, float | Value] = {}
    given_as: dict[str, str] = {}
    for name, value in values.items():
        key = unicodedata.normalize("NFKC", name)
        if key in normalized:
            raise ExpressionError(
                f"values given for both {given_as[key]!r} and {name!r}, which are the same "
                f"name {key!r} in a formula: give it once",
                text,
            )
        normalized[key], given_as[key] = value, name
    return normalized


_NAME_HINTS = {
    "e": "for Euler's number write exp(1), and exp(x) for e**x",
    "pi": "π is not built in: write its value, 3.141592653589793",
    "π": "π is not built in: write its value, 3.141592653589793",
}


def _name_hint(missing: list[str], unused: list[str]) -> str:
    """Why a name may be missing: a constant it looks like, or letters from another alphabet."""
    for name in missing:
        if name in _NAME_HINTS:
            return f" ({_NAME_HINTS[name]})"
    if not unused:
        return ""
    foreign = dict.fromkeys(ch for name in missing + unused for ch in name if not ch.isascii())
    if not foreign:
        return ""
    spelled = ", ".join(f"{ch!r} is {unicodedata.name(ch, f'U+{ord(ch):04X}')}" for ch in foreign)
    return f" (check the spelling: {spelled})"


def _shown(name: str, limit: int = 30) -> str:
    """A name short enough to quote in a message."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _build(
    statements: list[Statement],
    leaves: dict[str, Value],
    text: str,
    source: str,
    origin: list[int],
) -> Value:
    """Build each statement in order; a named part is labelled with its name, the output with
    its name, or "f" when the last statement is a bare formula."""
    names = dict(leaves)  # every name so far → its Value
    given = {id(leaf) for leaf in leaves.values()}
    value = None
    for name, expression in statements:
        value = _build_expression(expression, names, text, source, origin)
        label = name or _output_name(statements, leaves)
        if not value.label and id(value) not in given:
            value.label = label  # a fresh node (not a variable or an earlier name) takes it
        if name:
            names[name] = value
    assert value is not None
    return value


def _output_name(statements: list[Statement], leaves: dict[str, Value]) -> str:
    """The output's label for a bare formula: "f", as the slides write it, unless the formula
    uses f itself ("out" then)."""
    taken = set(leaves) | {name for name, _ in statements}
    name = "f" if "f" not in taken else "out"
    while name in taken:
        name += "_"
    return name


def _build_expression(
    expression: ast.expr, leaves: dict[str, Value], text: str, source: str, origin: list[int]
) -> Value:
    """Make the Values, inputs before the nodes that use them (iteratively: no recursion)."""
    result: dict[int, Value] = {}  # id(ast node) -> its Value
    constant: dict[int, bool] = {}  # id(ast node) -> True if no name occurs under it
    stack: list[tuple[ast.AST, bool]] = [(expression, False)]
    while stack:
        node, inputs_done = stack.pop()
        children = node.args if isinstance(node, ast.Call) else _operands(node)
        if not inputs_done and children:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        try:
            result[id(node)] = _value_of(node, result, constant, leaves)
        except (ValueError, OverflowError, TypeError) as error:
            raise ExpressionError(str(error), text, *_node_span(node, source, origin)) from None
        constant[id(node)] = all(constant[id(child)] for child in children) and not isinstance(
            node, ast.Name
        )
    return result[id(expression)]


def _operands(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return []


def _value_of(
    node: ast.AST, result: dict[int, Value], constant: dict[int, bool], leaves: dict[str, Value]
) -> Value:
    """The Value of one checked ast node whose inputs are already in ``result``."""
    if isinstance(node, ast.Constant):
        return Value(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.Call):
        arguments = [result[id(argument)] for argument in node.args]
        return FUNCTIONS[node.func.id](*arguments)  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        operand = result[id(node.operand)]
        if isinstance(node.op, ast.UAdd):
            return operand
        if constant[id(node.operand)] and not operand.op:
            return Value(-operand.data)  # "-3" is the number -3, not neg(3)
        return -operand
    assert isinstance(node, ast.BinOp)
    left, right = result[id(node.left)], result[id(node.right)]
    if isinstance(node.op, ast.Pow):
        if constant[id(node.right)]:
            return left**right.data  # one "**n" node, as the slides draw z²
        return left**right
    return _BINARY[type(node.op)](left, right)
