"""parse: formula text → Value graph, checked against the engine and the lecture numbers."""

from __future__ import annotations

import ast
import builtins
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradx import Value, parse
from microgradx.expr import MAX_DEPTH, MAX_LENGTH, ExpressionError


def leaves_of(root: Value) -> dict[str, Value]:
    return {node.label: node for node in root.topological_order() if not node.inputs and node.label}


# ----------------------------------------------------------------------
# The lecture examples, against the engine and the slides' numbers.
# ----------------------------------------------------------------------


def test_e1_matches_the_engine_and_the_slide():
    f = parse("(x+y)*z**2", x=2, y=-3, z=2)
    f.backward()
    leaves = leaves_of(f)
    assert f.data == -4.0
    assert {name: leaf.grad for name, leaf in leaves.items()} == {"x": 4.0, "y": 4.0, "z": -4.0}
    # the slide's intermediates: f = a·b with a = x + y, b = z²
    a, b = f.inputs
    assert (f.op, a.op, b.op) == ("*", "+", "**2")
    assert (a.data, b.data, a.grad, b.grad) == (-1.0, 4.0, 4.0, -1.0)

    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    by_hand = (x + y) * z**2
    by_hand.label = "f"  # a formula's output is called f, as on the slide
    by_hand.backward()
    assert [(n.op, n.label, n.data, n.grad) for n in f.topological_order()] == [
        (n.op, n.label, n.data, n.grad) for n in by_hand.topological_order()
    ]


@pytest.mark.parametrize(
    "formula",
    ["(x + y) · z²", "(x+y)×z^2", "(x + y) * z ^ 2", "(x+y)*(z**2)", "(x\n + y)\t* z²"],
)
def test_lecture_notation_gives_the_same_graph(formula):
    f = parse(formula, x=2, y=-3, z=2)
    f.backward()
    assert f.data == -4.0
    assert [n.op for n in f.topological_order()] == ["", "", "+", "", "**2", "*"]
    assert {k: v.grad for k, v in leaves_of(f).items()} == {"x": 4.0, "y": 4.0, "z": -4.0}


@pytest.mark.parametrize(("a", "b", "e", "de_da", "de_db"), [(2, 1, 6, 2, 5), (2, 3, 20, 4, 9)])
def test_e3_sums_over_both_paths(a, b, e, de_da, de_db):
    root = parse("(a + b) * (b + 1)", a=a, b=b)
    root.backward()
    leaves = leaves_of(root)
    assert root.data == e
    assert (leaves["a"].grad, leaves["b"].grad) == (de_da, de_db)
    # b is one leaf with an edge into each of c = a + b and d = b + 1
    c, d = root.inputs
    assert c.inputs[1] is leaves["b"] and d.inputs[0] is leaves["b"]
    assert d.inputs[1].label == "" and d.inputs[1].data == 1.0  # the constant leaf


def test_e4_logistic_loss_as_a_formula():
    point = {"w1": -1.0, "x1": 2.0, "w2": 1.0, "x2": 1.0, "y": 1.0}  # so v = y·q = -1
    loss = parse("-log(sigmoid(y*(w1*x1+w2*x2)))", **point)
    loss.backward()
    w1 = leaves_of(loss)["w1"]
    p = 1 / (1 + math.exp(1.0))
    assert loss.data == pytest.approx(-math.log(p), rel=1e-12)
    assert w1.grad == pytest.approx(-1.4621, abs=1e-4)
    assert w1.grad == pytest.approx(-(1 - p) * 2.0, rel=1e-12)  # -1/p · p(1-p) · y · x1
    assert w1.data - 1.0 * w1.grad == pytest.approx(0.4621, abs=1e-4)  # the update, lr = 1

    # L = log(1 + exp(-y·z)) is the same loss, with the same gradients; σ and ln are aliases
    other = parse("ln(1 + exp(−y·(w1·x1 + w2·x2)))", **point)
    third = parse("-ln(σ(y*(w1*x1+w2*x2)))", **point)
    for root in (other, third):
        root.backward()
        assert root.data == pytest.approx(loss.data, rel=1e-12)
        for name, leaf in leaves_of(root).items():
            assert leaf.grad == pytest.approx(leaves_of(loss)[name].grad, rel=1e-12)


def test_e2_sigmoid_gate_or_built_from_exp():
    point = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "b": -3}
    slide = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "b": 0.1966}
    for formula in ("σ(w0*x0 + w1*x1 + b)", "1 / (1 + exp(-(w0*x0 + w1*x1 + b)))"):
        a = parse(formula, **point)
        a.backward()
        assert a.data == pytest.approx(0.7310585786, abs=1e-10)
        for name, leaf in leaves_of(a).items():
            assert leaf.grad == pytest.approx(slide[name], abs=1e-4)


def test_a_name_used_twice_is_one_leaf_with_two_edges():
    f = parse("x*x", x=3)
    f.backward()
    assert f.inputs[0] is f.inputs[1]
    assert f.inputs[0].label == "x" and f.inputs[0].grad == 6.0


def test_every_function_matches_the_engine_method():
    for name, method in [
        ("exp", "exp"),
        ("log", "log"),
        ("ln", "log"),
        ("tanh", "tanh"),
        ("sigmoid", "sigmoid"),
        ("σ", "sigmoid"),
        ("relu", "relu"),
        ("leaky_relu", "leaky_relu"),
        ("sin", "sin"),
        ("cos", "cos"),
        ("sqrt", "sqrt"),
        ("abs", "abs"),
    ]:
        f = parse(f"{name}(x)", x=0.7)
        f.backward()
        expected = getattr(Value(0.7, "x"), method)()
        assert (f.op, f.data, f.local_grads) == (expected.op, expected.data, expected.local_grads)
        assert f.inputs[0].grad == expected.local_grads[0]


def test_powers_with_constant_exponents_are_one_node():
    cases = {"x**-1": "**-1", "x⁻¹": "**-1", "x**(1/2)": "**0.5", "x³": "**3", "x^10": "**10"}
    for formula, op in cases.items():
        f = parse(formula, x=4.0)
        assert f.op == op and len(f.inputs) == 1 and f.inputs[0].label == "x", formula
        assert f.data == pytest.approx(4.0 ** float(op[2:]))
    # a name in the exponent makes the exponent a Value: both gradients
    f = parse("x**y", x=2.0, y=3.0)
    f.backward()
    x, y = f.inputs
    assert f.op == "**" and x.grad == 12.0 and y.grad == pytest.approx(8 * math.log(2))


def test_numbers_and_signs():
    assert parse("-3").op == "" and parse("-3").data == -3.0  # a constant, not neg(3)
    assert parse("2.5e-3 * 4").data == pytest.approx(0.01)
    f = parse("-x", x=2)
    assert f.op == "neg" and f.data == -2.0
    assert parse("+x", x=2).label == "x"
    assert parse("x - -1", x=2).data == 3.0
    assert parse("w₁ + 1", w1=2).inputs[0].label == "w1"  # subscript digits are digits
    assert parse("\n  x + 1 ", x=1).data == 2.0  # surrounding space is no "indented block"
    assert error_of("  x + (", x=1).column == 7


def test_values_may_be_values_and_are_used_as_leaves():
    w = Value(0.5, "w")
    f = parse("w * x", w=w, x=2)
    f.backward()
    assert f.inputs[0] is w and w.grad == 2.0
    h = parse("tanh(h)", h=f)  # a Value that is itself a graph extends it
    assert h.inputs[0] is f


def test_numpy_scalars_are_numbers():
    np = pytest.importorskip("numpy")
    assert parse("x + y", x=np.float32(1.5), y=np.int64(2)).data == 3.5


# ----------------------------------------------------------------------
# Errors: what is wrong, and where (1-based columns in the text as written).
# ----------------------------------------------------------------------


def error_of(text, **values) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(text, **values)
    return info.value


def test_unknown_function_lists_the_known_ones_and_points_at_it():
    error = error_of("z² + cot(x)", x=1, z=2)
    assert "unknown function 'cot'" in error.reason
    assert "exp, log, ln, tanh, sigmoid, σ, relu" in error.reason
    assert (error.column, error.end_column) == (6, 9)  # columns in "z² + cot(x)", not "z**2 ..."
    lines = str(error).splitlines()
    assert lines[1].strip() == "z² + cot(x)"
    assert lines[2].index("^") - lines[1].index("z") == 5 and lines[2].count("^") == 3
    assert isinstance(error, ValueError)


def test_missing_and_unused_values():
    error = error_of("w*x + b", x=1, b=0)
    assert error.reason == "no value for 'w' — give w=<number>"
    assert error.column == 1
    error = error_of("x + w + b", x=1)
    assert error.reason == "no value for 'w', 'b' — give w=<number> b=<number>"
    assert error.column == 5
    error = error_of("x + 1", x=1, q=2)
    assert "value given for 'q', which the formula does not use" in error.reason


def test_bad_values_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        parse("x", x=float("nan"))
    with pytest.raises(ValueError, match="inf"):
        parse("x", x=float("inf"))
    for bad in (True, "2", None, 1j, [1.0]):
        with pytest.raises(TypeError, match="the value for 'x' must be a real number"):
            parse("x", x=bad)


@pytest.mark.parametrize(
    ("text", "reason", "column"),
    [
        ("(x + y", "'(' was never closed", 1),
        ("x +", "the formula ends too early", 4),
        ("2x", "write multiplication explicitly", 1),
        ("x ** y z", "invalid syntax", 8),
        ("x % 2", "the operator '%' is not allowed", 1),
        ("exp + x", "'exp' is a function: call it as exp(...)", 1),
        ("exp(x, x)", "exp(...) takes exactly one argument, got 2", 1),
        ("exp()", "exp(...) takes exactly one argument, got 0", 1),
        ("1e400 * x", "too large for a float", 1),
        ("3j * x", "complex numbers", 1),
        ("x < 1", "comparisons", 1),
        ("x, x", "tuples", 1),
        ("x\x00", "U+0000", 2),
        ("x\u200b+ 1", "U+200B (zero width space, often invisible)", 2),
        ("éé + (x", "'(' was never closed", 6),
        ("x·y·(x−", "'(' was never closed", 5),
        ("   ", "empty formula", None),
        # a student's usual slips, and what to write instead
        ("(x+y)(x-y)", "write '*' before it: (x+y)*(x-y)", 2),
        ("2(x+1)", "write '*' before it", 1),
        ("x(y+1)", "if x is a variable, write x*(...) to multiply", 1),
        ("x y", "two terms side by side", 3),
        ("3 sin(x)", "two terms side by side", 3),
        ("sin x", "call functions with brackets (sin(x), not sin x)", 5),
        ("x = = 2", "'=' names a part of the formula", 5),
        ("f(x) = x**2", "the left of '=' must be one name", 1),
        ("x == y", "comparisons: not allowed in a formula", 1),
    ],
)
def test_syntax_errors_point_at_the_text(text, reason, column):
    names = {name: 1.0 for name in ("x", "y", "éé") if name in text}
    error = error_of(text, **names)
    assert reason in error.reason
    assert error.column == column


def test_domain_errors_point_at_the_operation():
    error = error_of("1 + log(x - 4)", x=4)
    assert "log of 0" in error.reason and "positive" in error.reason
    assert (error.column, error.end_column) == (5, 15)
    assert "division by zero" in error_of("x / (x - x)", x=1).reason
    assert "overflows" in error_of("exp(x)", x=1000).reason


# ----------------------------------------------------------------------
# Hostile input: nothing runs, nothing hangs, every answer is an ExpressionError.
# ----------------------------------------------------------------------

INJECTIONS = {
    "__import__('os').system('touch {marker}')": "attribute access",
    "__import__('os')": "unknown function '__import__'",
    "eval('1')": "unknown function 'eval'",
    "open('{marker}', 'w')": "unknown function 'open'",
    "().__class__": "attribute access",
    "().__class__.__bases__[0].__subclasses__()": "attribute access",
    "x.real": "attribute access",
    "x[0]": "indexing",
    "(lambda: 1)()": "only named functions can be called",
    "lambda: 1": "lambda",
    "[x for x in (1, 2)]": "comprehensions",
    "(x for x in (1,))": "comprehensions",
    "{x: 1 for x in (1,)}": "comprehensions",
    "f'{x}'": "f-strings",
    "(y := 1) + y": "assignment",
    "exp(*[x])": "unpacking",
    "exp(x=1)": "no keyword arguments",
    "'a' * 10**9": "text in quotes",
    "x if x else x": "'if ... else'",
    "x and x": "'and' / 'or'",
    "[x]": "lists",
    "{x}": "sets",
    "{x: x}": "dicts",
    "~x": "the operator '~'",
    "not x": "the operator 'not'",
    "x @ x": "the operator '@'",
    "...": "Ellipsis is not a number",
    "None": "None is not a number",
    "True + x": "True is not a number",
    "x; import os": "'import' is not allowed",
    "import os": "'import' is not allowed",
    "exp(x)\nimport os": "'import' is not allowed",
    "await x": "'await'",
}


@pytest.mark.parametrize(("attempt", "reason"), list(INJECTIONS.items()))
def test_injection_attempts_are_refused_and_run_nothing(attempt, reason, tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    text = attempt.replace("{marker}", str(marker))
    calls = []
    real_compile = builtins.compile

    def compile_only_to_a_tree(source, filename, mode, flags=0, *args, **kwargs):
        calls.append(flags)
        assert flags & ast.PyCF_ONLY_AST, "parse must never compile text to code"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", compile_only_to_a_tree)
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: pytest.fail("eval called"))
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: pytest.fail("exec called"))
    names = {"x": 1.0} if "x" in text.replace("exp", "") else {}
    with pytest.raises(ExpressionError) as info:
        parse(text, **names)
    assert reason in str(info.value)
    assert calls, "the text went through ast.parse, which compiled it to a tree only"
    assert not marker.exists()


def test_very_long_input_is_refused_at_once():
    error = error_of("x+" * 50_000)
    assert error.reason == f"the formula is 100,000 characters long; the limit is {MAX_LENGTH:,}"
    assert len(str(error)) < 200  # the message does not echo the input


def test_errors_pickle_for_worker_processes():
    import pickle

    error = error_of("z² + cot(x)", x=1, z=2)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.column, copy.end_column, str(copy)) == (
        error.reason,
        error.column,
        error.end_column,
        str(error),
    )


def test_deep_nesting_is_refused_before_parsing():
    error = error_of("(" * 10_000 + "x" + ")" * 10_000, x=1)
    assert "limit is 10,000" in error.reason
    depth = (MAX_LENGTH - 1) // 2
    error = error_of("(" * depth + "x" + ")" * depth, x=1)
    assert f"nested more than {MAX_DEPTH} deep" in error.reason and error.column == MAX_DEPTH + 1
    error = error_of("-" * 5_000 + "x", x=1)
    assert f"more than {MAX_DEPTH} signs in a row" in error.reason
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, x=2).data == 2.0


def test_chains_too_long_for_the_parser_are_a_clear_error():
    # Python's parser refuses chains this long (RecursionError or MemoryError inside it);
    # should a future parser take them, the graph must still come out right.
    for text, expected in [("**".join(["x"] * 3000), 1.0), ("+".join(["x"] * 4000), 4000.0)]:
        try:
            root = parse(text, x=1)
        except ExpressionError as error:
            assert "split it into smaller parts" in error.reason
        else:
            assert root.data == expected
    # a long chain the parser does take is built without recursion
    long_sum = parse("+".join(["x"] * 300), x=1)
    long_sum.backward()
    assert long_sum.data == 300.0 and long_sum.inputs[1].grad == 300.0


FORMULA_ALPHABET = "xyz0123456789.e+-*/^()²³⁻·×−σ, _[]'\"λ.:=;%@~<>!{}\n\t\x00\u2212"


@settings(max_examples=300, deadline=2000)
@given(st.one_of(st.text(max_size=60), st.text(alphabet=FORMULA_ALPHABET, max_size=60)))
def test_fuzz_only_expression_errors(text):
    for values in ({}, {"x": 0.5}, {"x": 0.5, "y": -2.0, "z": 3.0}):
        try:
            root = parse(text, **values)
        except ExpressionError as error:
            assert error.reason and str(error)
            if error.column is not None:
                assert 1 <= error.column <= len(text) + 1
        else:
            assert isinstance(root, Value) and math.isfinite(root.data)


@settings(max_examples=100, deadline=2000)
@given(
    st.recursive(
        st.sampled_from(["x", "y", "2", "0.5"]),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["exp", "tanh", "σ", "sin", "-"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
        ),
        max_leaves=8,
    )
)
def test_fuzz_random_formulas_agree_with_numerical_gradients(text):
    if "x" not in text or "y" not in text:
        return
    try:
        root = parse(text, x=0.7, y=1.3)
    except ExpressionError:
        return  # e.g. overflow or a negative base to a fractional power
    try:
        root.backward()
    except ValueError as error:  # an infinite slope, e.g. (y - y) ^ x at 0
        assert "not a finite number" in str(error)
        return
    leaves = leaves_of(root)
    for name in ("x", "y"):
        h = 1e-6
        shifted = {"x": 0.7, "y": 1.3}
        shifted[name] += h
        try:
            up = parse(text, **shifted).data
            shifted[name] -= 2 * h
            down = parse(text, **shifted).data
        except ExpressionError:
            continue
        numeric = (up - down) / (2 * h)
        assert leaves[name].grad == pytest.approx(numeric, rel=1e-4, abs=1e-5), text


# ----------------------------------------------------------------------
# A student's usual slips get a message that says what to write instead.
# ----------------------------------------------------------------------


def test_an_unknown_function_with_a_long_name_is_not_taken_for_a_variable():
    assert error_of("cot(x)", x=1).reason == (
        "unknown function 'cot' (known: exp, log, ln, tanh, sigmoid, σ, relu, leaky_relu, "
        "sin, cos, tan, sqrt, abs)"
    )


def test_missing_names_that_look_like_constants_or_latin_letters():
    assert "for Euler's number write exp(1)" in error_of("e**x", x=1).reason
    assert "write its value, 3.141592653589793" in error_of("2*pi*r", r=1).reason
    cyrillic_a = "\u0430"
    error = error_of(f"{cyrillic_a} + 1", a=1)
    assert error.reason.startswith(f"no value for '{cyrillic_a}'")
    assert f"'{cyrillic_a}' is CYRILLIC SMALL LETTER A" in error.reason
    error = error_of("a + 1", **{cyrillic_a: 1})  # the other way round
    assert f"'{cyrillic_a}' is CYRILLIC SMALL LETTER A" in error.reason
    assert "check the spelling" not in error_of("a + b", a=1).reason  # nothing to suspect


def test_two_values_for_the_same_name_are_refused():
    fullwidth_x = "\uff58"  # Python reads it as x
    error = error_of("x + 1", x=1, **{fullwidth_x: 2})
    assert "values given for both 'x' and 'ｘ', which are the same name 'x'" in error.reason


def test_a_very_long_name_is_shortened_in_messages():
    name = "w" * 9000
    error = error_of(f"{name} + 1")
    assert error.reason == f"no value for '{'w' * 29}…' — give {'w' * 29}…=<number>"
    assert len(str(error)) < 300


# ----------------------------------------------------------------------
# Named formulas: the lecture's names for the intermediates and the output.
# ----------------------------------------------------------------------


def test_named_statements_label_the_intermediates_and_the_output():
    f = parse("a = x + y; b = z**2; f = a * b", x=2, y=-3, z=2)
    a, b = f.inputs
    assert (f.label, a.label, b.label) == ("f", "a", "b")
    assert (a.op, b.op, f.op, f.data) == ("+", "**2", "*", -4.0)
    f.backward()
    assert (a.grad, b.grad) == (4.0, -1.0)
    assert {n.label: n.grad for n in f.topological_order() if not n.inputs} == {
        "x": 4.0,
        "y": 4.0,
        "z": -4.0,
    }


def test_statements_on_new_lines_and_a_name_used_twice():
    e = parse("c = a + b\nd = b + 1\n\ne = c * d\n", a=2, b=1)  # E3, as the slide names it
    c, d = e.inputs
    assert (e.label, c.label, d.label, e.data) == ("e", "c", "d", 6.0)
    e.backward()
    b = c.inputs[1]
    assert b is d.inputs[0] and b.grad == 5.0  # ∂e/∂b sums both paths: d + c = 2 + 3


def test_a_bare_formula_is_labelled_f_and_a_new_line_in_brackets_is_a_space():
    assert parse("(x +\n y) * 2", x=1, y=2).label == "f"
    assert parse("x", x=1).label == "x"  # a variable keeps its own name
    assert parse("f * 2", f=3).label == "out"  # f is taken by a variable
    last = parse("a = x * 2; a + 1", x=1)
    assert last.label == "f" and last.inputs[0].label == "a"


@pytest.mark.parametrize(
    ("text", "values", "reason"),
    [
        ("a = x; a = 2*x", {"x": 1}, "'a' is named twice"),
        ("b = a + 1; a = x", {"x": 1}, "'a' is used before it is named"),
        ("x + 1; f = x", {"x": 1}, "only the last statement may be a formula alone"),
        ("a = x + 1; f = a", {"x": 1, "a": 2}, "value given for 'a', which the formula defines"),
        ("exp = x", {"x": 1}, "'exp' is a function"),
        ("a += x", {"x": 1}, "'+=' (and the like) is not allowed"),
        ("a = b = x", {"x": 1}, "the left of '=' must be one name"),
    ],
)
def test_named_formula_errors(text, values, reason):
    with pytest.raises(ExpressionError, match=re.escape(reason)):
        parse(text, **values)
