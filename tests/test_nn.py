"""Neurons, layers and MLPs: structure, labels, initialisation, gradients, saving and loading."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from microgradx import nn
from microgradx.engine import Value


def central_difference(f, params, eps=1e-6):
    """∂f/∂p by (f(p+ε) − f(p−ε)) / 2ε for each parameter, an independent check of backward."""
    grads = []
    for p in params:
        original = p.data
        p.data = original + eps
        up = f().data
        p.data = original - eps
        down = f().data
        p.data = original
        grads.append((up - down) / (2 * eps))
    return grads


# ----------------------------------------------------------------------
# A neuron: act(w · x + b), as the lectures draw it.
# ----------------------------------------------------------------------


def test_neuron_graph_is_dot_then_plus_then_activation():
    neuron = nn.Neuron(3, "tanh", seed=0)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "tanh"
    (z,) = out.inputs
    assert z.op == "+"
    dot, bias = z.inputs
    assert dot.op == "dot"
    assert bias is neuron.b
    assert list(dot.inputs[:3]) == neuron.w


def test_linear_neuron_has_no_activation_node():
    neuron = nn.Neuron(2, "linear", seed=0)
    assert neuron([1.0, 1.0]).op == "+"


@pytest.mark.parametrize(
    ("activation", "op", "f"),
    [
        ("relu", "relu", lambda z: max(z, 0.0)),
        ("tanh", "tanh", math.tanh),
        ("sigmoid", "sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("leaky_relu", "leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("linear", "+", lambda z: z),
    ],
)
def test_each_activation_computes_its_function(activation, op, f):
    neuron = nn.Neuron(2, activation, seed=3)
    neuron.b.data = 0.25
    for x in ([0.5, -1.5], [-2.0, 0.3]):
        z = neuron.w[0].data * x[0] + neuron.w[1].data * x[1] + 0.25
        out = neuron(x)
        assert out.op == op
        assert out.data == pytest.approx(f(z), rel=1e-12, abs=1e-15)


def test_lecture_e2_sigmoid_neuron():
    """E2: a = σ(w0·x0 + w1·x1 + b) at w = (2, −3), x = (−1, −2), b = −3."""
    neuron = nn.Neuron(2, "sigmoid")
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -3.0, -3.0
    x0, x1 = Value(-1.0, "x0"), Value(-2.0, "x1")
    a = neuron([x0, x1])
    a.backward()
    assert a.data == pytest.approx(0.7310585786, abs=1e-10)
    grads = [neuron.w[0].grad, x0.grad, neuron.w[1].grad, x1.grad, neuron.b.grad]
    assert grads == pytest.approx([-0.1966119332, 0.3932238664, -0.3932238664, -0.5898357996,
                                   0.1966119332], abs=1e-9)  # fmt: skip


def test_parameter_labels_name_their_neuron():
    assert [p.label for p in nn.Neuron(2).parameters()] == ["w0", "w1", "b"]
    layer = nn.Layer(2, 2)
    assert [p.label for p in layer.parameters()] == [
        "N0.w0", "N0.w1", "N0.b", "N1.w0", "N1.w1", "N1.b",
    ]  # fmt: skip
    mlp = nn.MLP(3, [2, 1])
    labels = [p.label for p in mlp.parameters()]
    assert labels[:4] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.w2", "L0.N0.b"]
    assert labels[-3:] == ["L1.N0.w0", "L1.N0.w1", "L1.N0.b"]
    assert {label.rsplit(".", 1)[0] for label in labels} == {"L0.N0", "L0.N1", "L1.N0"}


def test_named_parameters_give_paths():
    mlp = nn.MLP(2, [4, 1], seed=0)
    named = mlp.named_parameters()
    names = [name for name, _ in named]
    assert names[0] == "layers.0.neurons.0.w.0"
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p for _, p in named] == mlp.parameters()
    assert len(names) == len(set(names)) == 2 * 4 + 4 + 4 + 1


def test_micrograd_moons_mlp_has_337_parameters():
    mlp = nn.MLP(2, [16, 16, 1])
    assert mlp.num_parameters() == len(mlp.parameters()) == 337
    assert "337 parameters" in repr(mlp)
    assert repr(mlp).startswith("MLP(2 → 16 relu → 16 relu → 1 linear")
    assert repr(mlp.layers[0]) == "Layer(2 → 16, relu)"
    assert repr(mlp.layers[0].neurons[0]) == "Neuron(2 inputs, relu)"


# ----------------------------------------------------------------------
# Layers and MLPs.
# ----------------------------------------------------------------------


def test_layer_always_returns_a_list():
    out = nn.Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list)
    assert len(out) == 1
    assert isinstance(out[0], Value)


def test_mlp_with_a_one_neuron_hidden_layer_works():
    """micrograd's Layer returns a bare Value for one neuron, so MLP(2, [16, 1, 1]) breaks."""
    out = nn.MLP(2, [16, 1, 1], seed=0)([0.5, -0.5])
    assert isinstance(out, Value)


def test_mlp_returns_a_value_or_a_list():
    assert isinstance(nn.MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    out = nn.MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3


def test_hidden_layers_use_the_activation_and_the_last_is_linear():
    mlp = nn.MLP(2, [3, 3, 2], activation="tanh", seed=0)
    assert [layer.activation for layer in mlp.layers] == ["tanh", "tanh", "linear"]


def test_mlp_forward_matches_numpy():
    mlp = nn.MLP(3, [5, 4, 2], activation="tanh", seed=7)
    for layer in mlp.layers:
        for neuron in layer.neurons:
            neuron.b.data = 0.1 * len(neuron.w)  # nonzero biases, so they are checked too
    x = np.array([0.3, -1.2, 2.0])
    h = x
    for k, layer in enumerate(mlp.layers):
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = W @ h + b
        if k < len(mlp.layers) - 1:
            h = np.tanh(h)
    assert [v.data for v in mlp(x)] == pytest.approx(h.tolist(), rel=1e-12)


def test_layer_shares_its_inputs_between_neurons():
    layer = nn.Layer(2, 3, seed=0)
    out = layer([1.0, 2.0])
    x_nodes = [neuron_out.inputs[0].inputs[0].inputs[2:] for neuron_out in out]
    assert x_nodes[0] == x_nodes[1] == x_nodes[2]


def test_mlp_gradients_match_central_differences():
    mlp = nn.MLP(2, [4, 3, 1], activation="tanh", seed=1)
    x = [0.7, -0.4]

    def f():
        return mlp(x)

    out = f()
    out.backward()
    analytic = [p.grad for p in mlp.parameters()]
    numeric = central_difference(f, mlp.parameters())
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_zero_grad_clears_every_parameter():
    mlp = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    mlp([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_inputs_may_be_numbers_values_tuples_or_numpy_rows():
    mlp = nn.MLP(2, [3, 1], seed=0)
    expected = mlp([0.5, -1.0]).data
    assert mlp((0.5, -1.0)).data == expected
    assert mlp([Value(0.5), Value(-1.0)]).data == expected
    assert mlp(np.array([0.5, -1.0])).data == expected
    assert mlp(np.array([0.5, -1.0], dtype=np.float32)).data == expected
    assert nn.MLP(1, [2, 1], seed=0)(0.5).data == nn.MLP(1, [2, 1], seed=0)([0.5]).data


def test_gradient_reaches_value_inputs():
    neuron = nn.Neuron(2, "linear", seed=0)
    x = [Value(1.0, "x0"), Value(2.0, "x1")]
    neuron(x).backward()
    assert [xi.grad for xi in x] == [w.data for w in neuron.w]


def test_custom_module_finds_its_parameters():
    class Affine(nn.Module):
        def __init__(self):
            self.scale = Value(2.0, "scale")
            self.hidden = nn.Layer(1, 2, "tanh", seed=0)
            self.extra = [Value(0.5), Value(1.5)]
            self.name = "not a parameter"

        def __call__(self, x):
            return self.scale * x

    model = Affine()
    assert repr(model) == "Affine(7 parameters)"
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "scale",
        "hidden.neurons.0.w.0", "hidden.neurons.0.b",
        "hidden.neurons.1.w.0", "hidden.neurons.1.b",
        "extra.0", "extra.1",
    ]  # fmt: skip
    assert model.state_dict()["extra"] == [0.5, 1.5]


# ----------------------------------------------------------------------
# Initialisation: seeded, He for ReLU, LeCun otherwise, zero biases.
# ----------------------------------------------------------------------


def test_same_seed_same_weights_and_different_seed_different_weights():
    a = [p.data for p in nn.MLP(2, [8, 1], seed=42).parameters()]
    b = [p.data for p in nn.MLP(2, [8, 1], seed=42).parameters()]
    c = [p.data for p in nn.MLP(2, [8, 1], seed=43).parameters()]
    assert a == b
    assert a != c


@pytest.mark.parametrize(("activation", "gain"), [("relu", 2.0), ("tanh", 1.0), ("linear", 1.0)])
def test_initial_weights_have_variance_gain_over_nin(activation, gain):
    nin = 4000
    neuron = nn.Neuron(nin, activation, seed=0)
    w = np.array([p.data for p in neuron.w])
    bound = math.sqrt(gain * 3.0 / nin)
    assert np.all(np.abs(w) <= bound)
    assert w.var() == pytest.approx(gain / nin, rel=0.1)
    assert neuron.b.data == 0.0


# ----------------------------------------------------------------------
# Saving and loading.
# ----------------------------------------------------------------------


def test_state_dict_round_trips_through_json():
    source = nn.MLP(2, [4, 3], activation="tanh", seed=0)
    source.layers[0].neurons[1].b.data = 0.125
    text = json.dumps(source.state_dict())
    target = nn.MLP(2, [4, 3], activation="tanh", seed=99)
    target.load_state_dict(json.loads(text))
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    x = [0.3, 0.9]
    assert [v.data for v in target(x)] == [v.data for v in source(x)]


def test_state_dict_groups_weights_per_neuron():
    state = nn.MLP(2, [3, 1], seed=0).state_dict()
    assert list(state)[:2] == ["layers.0.neurons.0.w", "layers.0.neurons.0.b"]
    assert len(state["layers.0.neurons.0.w"]) == 2
    assert state["layers.1.neurons.0.b"] == [0.0]
    assert all(isinstance(v, float) for values in state.values() for v in values)


def test_load_state_dict_refuses_another_shape_and_changes_nothing():
    state = nn.MLP(2, [4, 1], seed=0).state_dict()
    other = nn.MLP(2, [3, 1], seed=1)
    before = [p.data for p in other.parameters()]
    with pytest.raises(ValueError, match=r"does not fit.*layers.0.neurons.3.w"):
        other.load_state_dict(state)
    wider = nn.MLP(3, [4, 1], seed=1)
    with pytest.raises(ValueError, match=r"has 2 numbers but .* expects 3"):
        wider.load_state_dict(state)
    assert [p.data for p in other.parameters()] == before


def test_load_state_dict_rejects_bad_numbers_and_changes_nothing():
    model = nn.Neuron(2, seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="NaN"):
        model.load_state_dict({"w": [1.0, float("nan")], "b": [0.0]})
    with pytest.raises(TypeError, match=r"state\['w'\]\[0\]"):
        model.load_state_dict({"w": ["1.0", 2.0], "b": [0.0]})
    with pytest.raises(TypeError, match="dict"):
        model.load_state_dict([1.0, 2.0, 3.0])
    assert [p.data for p in model.parameters()] == before


# ----------------------------------------------------------------------
# Bad arguments get clear errors.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("nin", [0, -1, 2.5, True, "2"])
def test_bad_nin_is_refused(nin):
    with pytest.raises(ValueError, match="nin must be a whole number ≥ 1"):
        nn.Neuron(nin)


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(
        ValueError, match=r"'softmax'.*'tanh', 'sigmoid', 'relu', 'leaky_relu', 'linear'"
    ):
        nn.MLP(2, [3, 1], activation="softmax")


@pytest.mark.parametrize("nouts", [[], 16, "16", [16, 0]])
def test_bad_layer_sizes_are_refused(nouts):
    with pytest.raises((TypeError, ValueError), match="nouts"):
        nn.MLP(2, nouts)


def test_wrong_input_length_says_expected_and_got():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(5, 2\).*one row at a time"):
        nn.MLP(2, [3, 1])(np.zeros((5, 2)))
    with pytest.raises(TypeError, match="list of 2 numbers"):
        nn.Neuron(2)("ab")
    with pytest.raises(TypeError, match="seed"):
        nn.Neuron(2, seed="zero")


@pytest.mark.parametrize(
    ("make", "who"),
    [
        (lambda: nn.MLP(2, [3, 1], seed=0), r"MLP\(2 → 3 relu"),
        (lambda: nn.Layer(2, 3, seed=0), r"Layer\(2 → 3, relu\)"),
        (lambda: nn.Neuron(2, seed=0), r"Neuron\(2 inputs, relu\)"),
    ],
)
def test_a_bad_input_is_named_by_its_position(make, who):
    module = make()
    with pytest.raises(TypeError, match=who + r".*input 1 must be a real number.*got None"):
        module([0.5, None])
    with pytest.raises(TypeError, match=who + r".*input 0 must be a real number.*got '1'"):
        module(["1", 2.0])
    with pytest.raises(ValueError, match=who + r".*input 1 is NaN"):
        module([0.5, float("nan")])
    with pytest.raises(ValueError, match=who + r".*input 0 is inf"):
        module(np.array([np.inf, 1.0]))


def test_layer_sizes_may_be_a_numpy_array():
    from_array = nn.MLP(2, np.array([4, 1]), seed=0)
    from_list = nn.MLP(2, [4, 1], seed=0)
    assert [p.data for p in from_array.parameters()] == [p.data for p in from_list.parameters()]
    assert repr(from_array) == repr(from_list)


def test_mlp_matches_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    mlp = nn.MLP(3, [5, 2], activation="tanh", seed=0)
    x = [0.4, -0.7, 1.1]
    out = mlp(x)
    (out[0] * 2.0 + out[1]).backward()

    weights = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                     requires_grad=True)
        for layer in mlp.layers
    ]  # fmt: skip
    biases = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in mlp.layers
    ]
    h = torch.tensor(x, dtype=torch.float64)
    h = torch.tanh(weights[0] @ h + biases[0])
    h = weights[1] @ h + biases[1]
    (h[0] * 2.0 + h[1]).backward()
    assert [v.data for v in out] == pytest.approx(h.tolist(), rel=1e-12)
    for layer, W, b in zip(mlp.layers, weights, biases):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(W.grad[j].tolist(), rel=1e-12)
            assert neuron.b.grad == pytest.approx(b.grad[j].item(), rel=1e-12)


# ----------------------------------------------------------------------
# PyTorch's conventions: forward, and another engine's initialisation.
# ----------------------------------------------------------------------


def test_calling_a_module_runs_its_forward():
    class Scaled(nn.Module):
        def __init__(self):
            self.neuron = nn.Neuron(2, "linear", seed=0)
            self.scale = Value(3.0, "scale")

        def forward(self, x):
            return self.scale * self.neuron(x)

    model = Scaled()
    out = model([1.0, 2.0])
    assert out.data == pytest.approx(3.0 * model.neuron([1.0, 2.0]).data)
    out.backward()
    assert model.scale.grad == pytest.approx(model.neuron([1.0, 2.0]).data)
    # the built-in modules are called the same way: module(x) is module.forward(x)
    mlp = nn.MLP(2, [3, 1], seed=0)
    assert mlp([0.5, -1.0]).data == mlp.forward([0.5, -1.0]).data
    assert [v.data for v in mlp.layers[0]([0.5, -1.0])] == [
        v.data for v in mlp.layers[0].forward([0.5, -1.0])
    ]


def test_a_module_without_forward_says_to_define_it():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define forward\(self, x\)"):
        Empty()([1.0])


def test_seeded_weights_are_unchanged_by_init_support():
    """The default initialisation still draws the same numbers for a seed (He uniform)."""
    rng = __import__("random").Random(0)
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 2)
    expected = [[rng.uniform(-bound, bound) for _ in range(2)] for _ in range(3)]
    layer = nn.Layer(2, 3, seed=0)
    assert [[w.data for w in n.w] for n in layer.neurons] == expected


def test_init_with_a_random_generator_is_micrograds_initialisation():
    import random

    from micrograd import nn as micrograd_nn

    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], init=random.Random(1337))
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    random.seed(7)
    theirs = micrograd_nn.Neuron(3)
    random.seed(7)
    assert [p.data for p in nn.Neuron(3, init=random).parameters()] == [
        p.data for p in theirs.parameters()
    ]  # the random module itself: its global generator, as micrograd uses


def test_init_function_gives_each_layer_its_weights_and_biases():
    calls = []

    def init(nin, nout):
        calls.append((nin, nout))
        weights = [[10.0 * j + i for i in range(nin)] for j in range(nout)]
        return weights, [0.5 * j for j in range(nout)]

    model = nn.MLP(2, [3, 1], init=init)
    assert calls == [(2, 3), (3, 1)]
    first = model.layers[0]
    assert [[w.data for w in n.w] for n in first.neurons] == [[0, 1], [10, 11], [20, 21]]
    assert [n.b.data for n in first.neurons] == [0.0, 0.5, 1.0]
    neuron = nn.Neuron(2, init=lambda nin, nout: (np.array([[1.0, 2.0]]), np.array([3.0])))
    assert [p.data for p in neuron.parameters()] == [1.0, 2.0, 3.0]


def test_init_reproduces_torchs_linear_layers():
    torch = pytest.importorskip("torch")

    def torch_linear(nin, nout):
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        return linear.weight.detach(), linear.bias.detach()

    torch.manual_seed(0)
    ours = nn.MLP(3, [4, 2], activation="tanh", init=torch_linear)
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2, dtype=torch.float64),
    )
    x = [0.3, -1.2, 0.8]
    expected = theirs(torch.tensor(x, dtype=torch.float64)).tolist()
    assert [v.data for v in ours(x)] == pytest.approx(expected, rel=1e-12)


def test_bad_init_is_refused_with_what_to_give():
    with pytest.raises(ValueError, match="seed= or init=, not both"):
        nn.MLP(2, [3, 1], seed=0, init=lambda nin, nout: ([[0.0] * nin] * nout, [0.0] * nout))
    with pytest.raises(TypeError, match=r"init must be a random\.Random .* or a function"):
        nn.Layer(2, 3, init=42)
    with pytest.raises(ValueError, match=r"init\(2, 3\) must return 3 rows of 2 weights and 3"):
        nn.Layer(2, 3, init=lambda nin, nout: ([[0.0, 0.0]], [0.0]))
    with pytest.raises(TypeError, match=r"must return \(weights, biases\)"):
        nn.Layer(2, 3, init=lambda nin, nout: 0.0)
    with pytest.raises(ValueError, match=r"weight \[0\]\[1\]"):
        nn.Neuron(2, init=lambda nin, nout: ([[0.0, float("nan")]], [0.0]))


def test_a_layer_gives_each_neuron_the_same_numbers_as_calling_it_alone():
    layer = nn.Layer(3, 4, seed=0)
    x = [0.5, -1.0, 2.0]
    together = [out.data for out in layer(x)]
    assert together == [neuron(x).data for neuron in layer.neurons]
    layer.neurons[1].w[0] = 0.25  # a weight replaced by a plain number still works
    assert layer(x)[1].data == layer.neurons[1](x).data

    class Doubled(nn.Neuron):
        def forward(self, x):
            return 2 * super().forward(x)

    layer.neurons[2] = Doubled(3, name="N2", seed=1)
    assert layer(x)[2].data == 2 * nn.Neuron.forward(layer.neurons[2], x).data
