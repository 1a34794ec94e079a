"""Bounding boxes, as ``torchvision.ops.boxes``: areas, IoU, format conversion, clipping and
non-maximum suppression. Boxes are ``(x1, y1, x2, y2)`` rows unless a format says otherwise;
the arithmetic ones are built of tensor ops, so gradients flow through them."""
import numpy as np

from ...ops.joining import stack
from ...tensor import Tensor

__all__ = ["nms", "batched_nms", "box_area", "box_iou", "box_convert", "clip_boxes_to_image",
           "remove_small_boxes"]


def _host(t):
    a = t._data
    return a.get() if hasattr(a, "get") else a


def _check_nms(boxes, scores):
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError(f"boxes and scores should have same number of elements in dimension "
                           f"0, got {boxes.shape[0]} and {scores.shape[0]}")


def nms(boxes, scores, iou_threshold):
    """The indices (int64) of the boxes kept by greedy non-maximum suppression, by decreasing
    score: a box is dropped when its IoU with a higher-scoring kept box is above
    ``iou_threshold``. Equal scores keep their input order, as torchvision's stable sort."""
    _check_nms(boxes, scores)
    b = _host(boxes).astype(np.float64)
    s = _host(scores)
    order = np.argsort(-s, kind="stable")
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(b), dtype=bool)
    keep = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for pos, i in enumerate(order):
            if suppressed[i]:
                continue
            keep.append(i)
            rest = order[pos + 1:]
            w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
            h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
            inter = w * h
            iou = inter / (areas[i] + areas[rest] - inter)
            suppressed[rest[iou > iou_threshold]] = True
    return Tensor._wrap(np.array(keep, dtype=np.int64))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """``nms`` within each category of ``idxs``: boxes of different categories never suppress
    each other (each category is moved beyond the others' coordinates first)."""
    if boxes.numel() == 0:
        return Tensor._wrap(np.zeros(0, dtype=np.int64))
    b = _host(boxes).astype(np.float64)
    offsets = _host(idxs).astype(np.float64) * (b.max() + 1)
    return nms(Tensor._wrap(b + offsets[:, None]), scores, iou_threshold)


def box_area(boxes):
    """``(x2 - x1) * (y2 - y1)`` of each row."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = boxes1[:, None, :2].maximum(boxes2[None, :, :2])
    rb = boxes1[:, None, 2:].minimum(boxes2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2[None, :] - inter


def box_iou(boxes1, boxes2):
    """The (N, M) intersection-over-union of every pair of ``boxes1`` (N, 4) and ``boxes2``
    (M, 4)."""
    inter, union = _inter_union(boxes1, boxes2)
    return inter / union


def box_convert(boxes, in_fmt, out_fmt):
    """Between ``"xyxy"`` (corners), ``"xywh"`` (corner and size) and ``"cxcywh"`` (centre and
    size)."""
    allowed = ("xyxy", "xywh", "cxcywh")
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError("Unsupported Bounding Box Conversions for given in_fmt and out_fmt")
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    # now corners
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return stack((a, b, c, d), dim=-1)


def clip_boxes_to_image(boxes, size):
    """Boxes clipped to an image of ``size`` (height, width)."""
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return stack((x, y), dim=boxes.dim()).reshape(boxes.shape)


def remove_small_boxes(boxes, min_size):
    """The indices of the boxes whose width and height are both at least ``min_size``."""
    b = _host(boxes)
    ws, hs = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    keep = np.nonzero((ws >= min_size) & (hs >= min_size))[0]
    return Tensor._wrap(keep.astype(np.int64))
