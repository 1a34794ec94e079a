"""Custom autograd Functions and Variable: the same Function written for galton and for PyTorch
gives the same values, gradients, flags and errors."""
import warnings

import numpy as np
import pytest
import torch

import galton


def functions(t):
    """The same custom Functions, written against library ``t`` (galton or torch)."""
    Function = t.autograd.Function
    once_differentiable = t.autograd.function.once_differentiable

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x > 0).to(g.dtype)

    class ScaledExp(Function):  # a non-tensor argument and the output saved
        @staticmethod
        def forward(ctx, x, scale):
            y = (x * scale).exp()
            ctx.scale = scale
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y * ctx.scale, None

    class MulAdd(Function):  # new style: forward without ctx, setup_context
        @staticmethod
        def forward(a, b, c):
            return a * b + c

        @staticmethod
        def setup_context(ctx, inputs, output):
            a, b, _ = inputs
            ctx.save_for_backward(a, b)

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * b if ctx.needs_input_grad[0] else None
            gb = g * a if ctx.needs_input_grad[1] else None
            return ga, gb, g if ctx.needs_input_grad[2] else None

    class SortValues(Function):  # two outputs, one non-differentiable
        @staticmethod
        def forward(ctx, x):
            v, i = x.sort()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(i)
            return v, i

        @staticmethod
        def backward(ctx, gv, gi):
            (i,) = ctx.saved_tensors
            g = t.zeros_like(gv)
            g[i] = gv
            return g

    class SinCos(Function):  # two differentiable outputs sharing one backward
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        @once_differentiable
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc * x.sin()

    class Double_(Function):  # in place, declared with mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Split(Function):  # set_materialize_grads(False): None for unused outputs
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            out = 0
            if g1 is not None:
                out = out + g1 * 2
            if g2 is not None:
                out = out + g2 * 3
            return out

    return dict(MyReLU=MyReLU, ScaledExp=ScaledExp, MulAdd=MulAdd, SortValues=SortValues,
                SinCos=SinCos, Double_=Double_, Split=Split)


G, T = functions(galton), functions(torch)


def _pair(shape, seed=0, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return galton.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _same(g, t):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


CASES = {
    "MyReLU": lambda F, x, y, z: F["MyReLU"].apply(x).pow(2).sum(),
    "ScaledExp": lambda F, x, y, z: (F["ScaledExp"].apply(x, 0.5) * y).sum(),
    "MulAdd": lambda F, x, y, z: F["MulAdd"].apply(x, y, z).sum(),
    "MulAdd_const_b": lambda F, x, y, z: F["MulAdd"].apply(x, y.detach(), z).sum(),
    "SortValues": lambda F, x, y, z: (F["SortValues"].apply(x)[0] * y.detach()).sum(),
    "SinCos": lambda F, x, y, z: sum((o * w).sum() for o, w in zip(F["SinCos"].apply(x), (y, z))),
    "SinCos_one_used": lambda F, x, y, z: F["SinCos"].apply(x)[1].sum(),
    "Double_": lambda F, x, y, z: F["Double_"].apply(x * 1).sum() * 3,
    "Split_both": lambda F, x, y, z: sum(o.sum() for o in F["Split"].apply(x)),
    "Split_first": lambda F, x, y, z: F["Split"].apply(x)[0].sum(),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_custom_function_matches_pytorch(case):
    gs = [_pair((6,), s) for s in range(3)]
    g_out = CASES[case](G, *(p[0] for p in gs))
    t_out = CASES[case](T, *(p[1] for p in gs))
    _same(g_out, t_out)
    g_out.backward()
    t_out.backward()
    for g, t in gs:
        assert (g.grad is None) == (t.grad is None)
        if t.grad is not None:
            _same(g.grad, t.grad)


def test_node_names_flags_and_outputs():
    for F, lib in ((G, galton), (T, torch)):
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        y = F["MyReLU"].apply(x)
        assert y.grad_fn.name() == "MyReLUBackward" and y.requires_grad
        assert y.grad_fn.next_functions[0][0].variable is x
        v, i = F["SortValues"].apply(x)
        assert v.requires_grad and not i.requires_grad and i.grad_fn is None
        assert i.dtype == lib.int64
        with lib.no_grad():
            assert not F["MyReLU"].apply(x).requires_grad
        assert F["MyReLU"].apply(lib.ones(2)).grad_fn is None
        a = x * 1
        b = F["Double_"].apply(a)
        assert b is a and a.grad_fn.name() == "Double_Backward" and a._version == 2


def test_materialize_grads_and_zero_d():
    for F, lib in ((G, galton), (T, torch)):
        x = lib.tensor(0.3, requires_grad=True)
        p, q = F["Split"].apply(x)
        p.backward()
        assert x.grad.item() == pytest.approx(2.0) and x.grad.shape == ()
        assert p.grad_fn is not None
    gx = galton.tensor(0.3, requires_grad=True)
    r = G["MyReLU"].apply(gx)
    r.backward()
    assert type(gx.grad._data) is np.ndarray
    gx.grad.zero_()


def test_function_errors_match_pytorch():
    def build(t):
        F = t.autograd.Function

        class TooFew(F):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g

        class GradForNumber(F):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, g

        class WrongShape(F):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g[:2]

        class NotATensor(F):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return 3

        class NoBackward(F):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        class ForgetsDirty(F):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x * 1

        class Dirty(F):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

        class NoForward(F):
            pass
        calls = [lambda x: TooFew.apply(x, 2).sum().backward(),
                 lambda x: GradForNumber.apply(x, 2).sum().backward(),
                 lambda x: WrongShape.apply(x).sum().backward(),
                 lambda x: NotATensor.apply(x).sum().backward(),
                 lambda x: NoBackward.apply(x).sum().backward(),
                 lambda x: ForgetsDirty.apply(x * 1),
                 lambda x: Dirty.apply(x),
                 lambda x: NoForward.apply(x)]
        return calls, TooFew

    def errors(lib):
        calls, TooFew = build(lib)
        out = []
        for call in calls:
            with pytest.raises(Exception) as e:
                call(lib.ones(3, requires_grad=True))
            out.append((type(e.value).__name__, str(e.value)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as e:
                TooFew()(lib.ones(2))
        out.append(str(e.value))
        return out
    assert errors(galton) == errors(torch)


def test_saved_tensors_freed_after_backward():
    for F, lib in ((G, galton), (T, torch)):
        seen = {}

        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None)
                seen["ctx"] = ctx
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, nothing = ctx.saved_tensors
                assert nothing is None
                return g * 2
        x = lib.ones(2, requires_grad=True)
        y = Keep.apply(x).sum()
        y.backward(retain_graph=True)
        assert seen["ctx"].saved_tensors[0] is x
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            seen["ctx"].saved_tensors
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()


@pytest.mark.parametrize("name", ["MyReLU", "SinCos", "MulAdd"])
def test_gradcheck_custom_function(name):
    rng = np.random.default_rng(3)
    xs = [galton.tensor(rng.standard_normal(4) + 0.5, requires_grad=True) for _ in range(3)]
    args = {"MyReLU": xs[:1], "SinCos": xs[:1], "MulAdd": xs}[name]
    assert galton.autograd.gradcheck(lambda *a: G[name].apply(*a), args)
    targs = [torch.tensor(a.detach().numpy(), requires_grad=True) for a in args]
    assert torch.autograd.gradcheck(lambda *a: T[name].apply(*a), targs)


def test_backward_runs_without_recording():
    for lib in (galton, torch):
        modes = []

        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                modes.append(lib.is_grad_enabled())
                return x * 2

            @staticmethod
            def backward(ctx, g):
                modes.append(lib.is_grad_enabled())
                return g * 2
        Probe.apply(lib.ones(2, requires_grad=True)).sum().backward()
        assert modes == [False, False]


def test_variable_is_the_legacy_tensor_constructor():
    for lib in (galton, torch):
        V = lib.autograd.Variable
        t = lib.ones(2)
        v = V(t, requires_grad=True)
        assert v is not t and v.requires_grad and not t.requires_grad
        assert v.data_ptr() == t.data_ptr() and isinstance(t, V) and isinstance(v, lib.Tensor)
        y = V(lib.ones(2, requires_grad=True) * 3)
        assert y.grad_fn is None and not y.requires_grad
        assert tuple(V().shape) == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            V([1.0])
        with pytest.raises(RuntimeError, match="floating point"):
            V(lib.ones(2, dtype=lib.long), requires_grad=True)
        (v * v).sum().backward()
        np.testing.assert_allclose(v.grad.numpy(), [2.0, 2.0])


def test_autograd_grad_accepts_only_inputs():
    for lib in (galton, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad((x ** 3).sum(), x, only_inputs=True)
        np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
