"""``galton.vision.ops``, as ``torchvision.ops``: box utilities, non-maximum suppression and
region-of-interest pooling for detection models."""
from .boxes import (batched_nms, box_area, box_convert, box_iou, clip_boxes_to_image, nms,
                    remove_small_boxes)
from .roi_pool import RoIPool, roi_pool

__all__ = ["nms", "batched_nms", "box_area", "box_iou", "box_convert", "clip_boxes_to_image",
           "remove_small_boxes", "roi_pool", "RoIPool"]
