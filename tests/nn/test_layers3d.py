"""InstanceNorm3d, BatchNorm3d and the 3-d padding layers against torch."""
import pytest

from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("affine, track", [(False, False), (True, True)])
def test_instance_norm3d(affine, track):
    def fn(t, x):
        m = t.nn.InstanceNorm3d(3, affine=affine, track_running_stats=track)
        out = m(x)
        if track:
            m.eval()
            out = out + m(x)
        return out
    compare(fn, [(2, 3, 3, 4, 5)], rtol=1e-4, atol=1e-4)
    compare(lambda t, x: t.nn.InstanceNorm3d(3, affine=affine)(x), [(3, 3, 4, 5)], atol=1e-4)


def test_batch_norm3d_train_and_eval():
    def fn(t, x):
        m = t.nn.BatchNorm3d(2)
        y = m(x)
        m.eval()
        return y + m(x), m.running_var
    compare(fn, [(3, 2, 2, 3, 4)], atol=1e-4)


@pytest.mark.parametrize("name, args", [("ZeroPad3d", (1,)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 3.5)),
                                        ("ReflectionPad3d", ((1, 2, 1, 0, 2, 1),)),
                                        ("ReplicationPad3d", (2,)), ("CircularPad3d", (1,))])
@pytest.mark.parametrize("shape", [(2, 2, 3, 4, 5), (2, 3, 4, 5)])
def test_padding3d(name, args, shape):
    compare(lambda t, x: getattr(t.nn, name)(*args)(x), [shape])


def test_gradcheck_float64():
    gradcheck(lambda t, x: t.nn.InstanceNorm3d(2)(x), [(2, 2, 2, 3, 2)])
    gradcheck(lambda t, x: t.nn.ReflectionPad3d(1)(x), [(1, 1, 2, 3, 2)])
