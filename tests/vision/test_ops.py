"""galton.vision.ops (torchvision.ops): checked against references written from torchvision's
C++ kernels (nms_kernel.cpp, roi_pool_kernel.cpp: loops over each element, as the kernels do)
and its documented behaviour (torchvision is not installed), and gradients against finite
differences in float64."""
import math

import numpy as np
import pytest

import galton
from galton.autograd import gradcheck
from galton.vision import ops


def _boxes(rng, n, size=50.0):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def _nms_reference(boxes, scores, thr):
    order = sorted(range(len(scores)), key=lambda i: -scores[i])  # sorted() is stable
    area = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    suppressed, keep = [False] * len(boxes), []
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        for j in order[pos + 1:]:
            if suppressed[j]:
                continue
            w = max(0.0, min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]))
            h = max(0.0, min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]))
            inter = w * h
            if inter / (area[i] + area[j] - inter) > thr:
                suppressed[j] = True
    return keep


@pytest.mark.parametrize("thr", [0.0, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_nms_as_the_kernel(thr, seed):
    rng = np.random.default_rng(seed)
    b = _boxes(rng, 60)
    s = rng.choice([0.1, 0.2, 0.5, 0.9], size=60)  # many ties: the stable order matters
    keep = ops.nms(galton.tensor(b, dtype=galton.float32), galton.tensor(s), thr)
    assert keep.dtype == galton.int64
    ref = _nms_reference(b.astype(np.float32).astype(float).tolist(), s.tolist(), thr)
    assert keep.tolist() == ref


def test_nms_small_and_errors():
    b = galton.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10.]])
    s = galton.tensor([0.9, 0.8, 0.7, 0.95])
    assert ops.nms(b, s, 0.5).tolist() == [3, 2]
    assert ops.nms(b, s, 1.0).tolist() == [3, 0, 1, 2]
    assert ops.nms(galton.zeros(0, 4), galton.zeros(0), 0.5).tolist() == []
    with pytest.raises(RuntimeError, match="boxes should have 4 elements in dimension 1"):
        ops.nms(galton.zeros(3, 5), galton.zeros(3), 0.5)
    with pytest.raises(RuntimeError, match="boxes and scores should have same number"):
        ops.nms(galton.zeros(3, 4), galton.zeros(2), 0.5)


def test_batched_nms_is_nms_per_category():
    rng = np.random.default_rng(3)
    b, s = _boxes(rng, 40), rng.uniform(size=40)
    idx = rng.integers(0, 3, 40)
    got = ops.batched_nms(galton.tensor(b), galton.tensor(s), galton.tensor(idx), 0.4).tolist()
    # torchvision's plain version: nms inside each category, then all kept by score
    kept = []
    for c in range(3):
        members = np.nonzero(idx == c)[0]
        kept += [members[k] for k in _nms_reference(b[members].tolist(), s[members].tolist(),
                                                      0.4)]
    assert got == sorted(kept, key=lambda i: -s[i])
    assert ops.batched_nms(galton.zeros(0, 4), galton.zeros(0), galton.zeros(0), 0.5).numel() == 0


def test_box_iou_area_and_gradient():
    rng = np.random.default_rng(4)
    b1, b2 = _boxes(rng, 5), _boxes(rng, 7)
    iou = ops.box_iou(galton.tensor(b1), galton.tensor(b2)).numpy()
    for i in range(5):
        for j in range(7):
            w = max(0, min(b1[i, 2], b2[j, 2]) - max(b1[i, 0], b2[j, 0]))
            h = max(0, min(b1[i, 3], b2[j, 3]) - max(b1[i, 1], b2[j, 1]))
            a1 = (b1[i, 2] - b1[i, 0]) * (b1[i, 3] - b1[i, 1])
            a2 = (b2[j, 2] - b2[j, 0]) * (b2[j, 3] - b2[j, 1])
            assert iou[i, j] == pytest.approx(w * h / (a1 + a2 - w * h), rel=1e-5)
    np.testing.assert_allclose(ops.box_area(galton.tensor(b1)).numpy(),
                               (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1]), rtol=1e-6)
    # overlapping boxes, so the IoU is smooth where it is checked
    x = galton.tensor([[0.0, 0.0, 4.0, 3.0], [1.0, 0.5, 5.0, 4.0]], dtype=galton.float64,
                      requires_grad=True)
    y = galton.tensor([[0.5, 1.0, 3.0, 5.0]], dtype=galton.float64, requires_grad=True)
    assert gradcheck(ops.box_iou, (x, y))


def test_box_convert_and_clip():
    b = galton.tensor([[1.0, 2.0, 5.0, 8.0]])
    assert ops.box_convert(b, "xyxy", "xywh").tolist() == [[1.0, 2.0, 4.0, 6.0]]
    assert ops.box_convert(b, "xyxy", "cxcywh").tolist() == [[3.0, 5.0, 4.0, 6.0]]
    for fmt in ("xywh", "cxcywh"):
        back = ops.box_convert(ops.box_convert(b, "xyxy", fmt), fmt, "xyxy")
        assert back.tolist() == b.tolist()
    with pytest.raises(ValueError, match="Unsupported Bounding Box Conversions"):
        ops.box_convert(b, "xyxy", "yxyx")
    c = ops.clip_boxes_to_image(galton.tensor([[-3.0, 2.0, 12.0, 30.0]]), (20, 10))
    assert c.tolist() == [[0.0, 2.0, 10.0, 20.0]]
    small = galton.tensor([[0, 0, 1, 5.0], [0, 0, 3, 3.0], [0, 0, 2, 2.0]])
    assert ops.remove_small_boxes(small, 2.0).tolist() == [1, 2]


def _roi_pool_reference(x, rois, ph_n, pw_n, scale):
    _, c_n, height, width = x.shape
    out = np.zeros((len(rois), c_n, ph_n, pw_n), dtype=x.dtype)

    def c_round(v):
        return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)
    for n, r in enumerate(rois):
        b = int(r[0])
        sw, sh, ew, eh = (c_round(v * scale) for v in r[1:])
        roi_w, roi_h = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bh, bw = roi_h / ph_n, roi_w / pw_n
        for c in range(c_n):
            for ph in range(ph_n):
                for pw in range(pw_n):
                    hs = min(max(math.floor(ph * bh) + sh, 0), height)
                    he = min(max(math.ceil((ph + 1) * bh) + sh, 0), height)
                    ws = min(max(math.floor(pw * bw) + sw, 0), width)
                    we = min(max(math.ceil((pw + 1) * bw) + sw, 0), width)
                    empty = he <= hs or we <= ws
                    best = 0.0 if empty else -np.finfo(np.float32).max
                    for h in range(hs, he):
                        for w in range(ws, we):
                            if x[b, c, h, w] > best:
                                best = x[b, c, h, w]
                    out[n, c, ph, pw] = best
    return out


@pytest.mark.parametrize("size,scale", [(2, 1.0), ((3, 2), 0.5), (7, 14 / 224)])
def test_roi_pool_as_the_kernel(size, scale):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 9, 11)).astype(np.float32)
    rois = np.array([[0, 0, 0, 10, 8], [1, 2.5, 1.5, 7.5, 6.5], [0, -4, -3, 3, 2],
                     [1, 8, 6, 30, 40], [0, 3, 3, 3, 3], [1, 20, 20, 25, 25]], dtype=np.float32)
    if scale < 0.1:
        rois[:, 1:] *= 16
    got = ops.roi_pool(galton.tensor(x), galton.tensor(rois), size, scale).numpy()
    ph, pw = (size, size) if isinstance(size, int) else size
    np.testing.assert_array_equal(got, _roi_pool_reference(x, rois, ph, pw, scale))
    # the list-of-boxes form gives the same result
    per_image = [galton.tensor(rois[rois[:, 0] == i][:, 1:]) for i in range(2)]
    order = np.argsort(rois[:, 0], kind="stable")
    np.testing.assert_array_equal(ops.roi_pool(galton.tensor(x), per_image, size, scale).numpy(),
                                  got[order])


def test_roi_pool_gradient():
    rng = np.random.default_rng(6)
    # distinct values, so each bin's maximum is unique and the function is smooth there
    x = galton.tensor(rng.permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 10.0,
                      dtype=galton.float64, requires_grad=True)
    rois = galton.tensor([[0, 0, 0, 5, 5], [1, 1, 2, 4, 5], [0, 2, 2, 2, 2.0]],
                         dtype=galton.float64)
    assert gradcheck(lambda t: ops.roi_pool(t, rois, (2, 3), 1.0), (x,))
    layer = ops.RoIPool(7, spatial_scale=14 / 224)
    assert repr(layer) == "RoIPool(output_size=7, spatial_scale=0.0625)"
    assert tuple(layer(galton.ones(1, 4, 14, 14), galton.tensor([[0, 0, 0, 223, 223.0]])).shape) \
        == (1, 4, 7, 7)


def test_through_the_hook():
    from galton.run import _hook
    displaced = _hook.install()
    try:
        from torchvision.ops import RoIPool, nms
        assert nms is ops.nms and RoIPool is ops.RoIPool
    finally:
        _hook.uninstall(displaced)
