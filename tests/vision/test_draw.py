"""draw_bounding_boxes, draw_segmentation_masks, draw_keypoints and flow_to_image against pixel
values worked out by hand from torchvision's documented behaviour (torchvision itself is not
installed)."""
import numpy as np
import pytest

import galton
from galton.vision import utils

pytest.importorskip("PIL")


def _img(value=0, c=3, h=20, w=20, dtype=np.uint8):
    return galton.tensor(np.full((c, h, w), value, dtype=dtype))


def px(t, x, y):
    return tuple(t.numpy()[:, y, x].tolist())


# --- boxes ----------------------------------------------------------------------------------------
def test_box_outline_is_one_pixel_on_the_inclusive_corners():
    out = utils.draw_bounding_boxes(_img(), galton.tensor([[2, 3, 10, 12]]), colors="red")
    assert out.dtype == galton.uint8 and tuple(out.shape) == (3, 20, 20)
    red = (255, 0, 0)
    for x in range(2, 11):
        assert px(out, x, 3) == red and px(out, x, 12) == red
    for y in range(3, 13):
        assert px(out, 2, y) == red and px(out, 10, y) == red
    inside = out.numpy()[:, 4:12, 3:10]
    assert inside.max() == 0 and px(out, 11, 12) == (0, 0, 0) and px(out, 2, 13) == (0, 0, 0)


def test_box_width_goes_inwards_and_fill_blends_at_alpha_100():
    out = utils.draw_bounding_boxes(_img(100), galton.tensor([[2, 2, 12, 12]]),
                                    colors=(0, 0, 255), width=2, fill=True)
    assert px(out, 2, 2) == (0, 0, 255) and px(out, 3, 3) == (0, 0, 255)
    # inside: 100/255 of the colour over 155/255 of the grey 100
    r, g, b = px(out, 7, 7)
    assert abs(r - 100 * 155 / 255) <= 1 and abs(g - r) == 0
    assert abs(b - (255 * 100 + 100 * 155) / 255) <= 1
    assert px(out, 15, 15) == (100, 100, 100)


def test_default_palette_labels_and_grayscale():
    boxes = galton.tensor([[0, 0, 4, 4], [5, 5, 9, 9], [10, 10, 14, 14]])
    out = utils.draw_bounding_boxes(_img(200, c=1), boxes)
    assert tuple(out.shape) == (3, 20, 20)  # grayscale comes back in RGB
    # torchvision's palette: i * (2**25-1, 2**15-1, 2**21-1) mod 255; 2**8 = 1 (mod 255)
    assert px(out, 0, 0) == (0, 0, 0) and px(out, 5, 5) == (1, 127, 31)
    assert px(out, 10, 10) == (2, 254, 62) and px(out, 17, 17) == (200, 200, 200)
    big = _img(0, h=40, w=60)
    text = utils.draw_bounding_boxes(big, galton.tensor([[0, 0, 59, 39]]), labels=["cat"],
                                     colors="white", label_colors="yellow")
    region = text.numpy()[:, 2:14, 2:20]
    r, g, b = region.reshape(3, -1)
    assert ((r > 100) & (r == g) & (b == 0)).any()  # yellow text (antialiased edges)
    assert region[2].max() == 0  # and no blue: the text is yellow, the box white


def test_float_images_stay_float():
    k = np.arange(3 * 8 * 8).reshape(3, 8, 8) % 256
    img = galton.tensor((k / 255).astype(np.float32))
    out = utils.draw_bounding_boxes(img, galton.tensor([[1, 1, 5, 5]]), colors="lime")
    assert out.dtype == galton.float32
    np.testing.assert_allclose(out.numpy()[:, 1, 1], [0, 1, 0])
    np.testing.assert_allclose(out.numpy()[:, 7, 7], k[:, 7, 7] / 255, atol=1e-7)


def test_box_errors_and_no_boxes():
    with pytest.raises(ValueError, match=r"\(xmin, ymin, xmax, ymax\) format"):
        utils.draw_bounding_boxes(_img(), galton.tensor([[5, 0, 2, 4]]))
    with pytest.raises(ValueError, match="Pass individual images"):
        utils.draw_bounding_boxes(galton.zeros(2, 3, 8, 8, dtype=galton.uint8),
                                  galton.tensor([[0, 0, 1, 1]]))
    with pytest.raises(ValueError, match="dtype must be uint8 or float"):
        utils.draw_bounding_boxes(galton.zeros(3, 8, 8, dtype=galton.int32),
                                  galton.tensor([[0, 0, 1, 1]]))
    with pytest.raises(ValueError, match="Number of boxes \\(1\\) and labels \\(2\\)"):
        utils.draw_bounding_boxes(_img(), galton.tensor([[0, 0, 1, 1]]), labels=["a", "b"])
    with pytest.raises(ValueError, match="2 < 3"):
        utils.draw_bounding_boxes(_img(), galton.tensor([[0, 0, 1, 1]] * 3),
                                  colors=["red", "blue"])
    img = _img(7)
    with pytest.warns(UserWarning, match="No box was drawn"):
        assert utils.draw_bounding_boxes(img, galton.zeros(0, 4)) is img


# --- masks ----------------------------------------------------------------------------------------
def test_segmentation_masks_blend_and_overlap_black():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (3, 6, 6), dtype=np.uint8)
    masks = np.zeros((2, 6, 6), bool)
    masks[0, :3] = True
    masks[1, 2:4] = True  # row 2 is under both
    out = utils.draw_segmentation_masks(galton.tensor(base), galton.tensor(masks), alpha=0.5,
                                        colors=["red", (0, 255, 0)]).numpy()
    v = base.astype(np.float64)
    red, green = np.array([[255], [0], [0]]), np.array([[0], [255], [0]])
    np.testing.assert_array_equal(out[:, 0], np.floor(v[:, 0] * 0.5 + red * 0.5))
    np.testing.assert_array_equal(out[:, 3], np.floor(v[:, 3] * 0.5 + green * 0.5))
    np.testing.assert_array_equal(out[:, 2], np.floor(v[:, 2] * 0.5))  # overlap: black
    np.testing.assert_array_equal(out[:, 5], base[:, 5])  # no mask: unchanged
    one = utils.draw_segmentation_masks(galton.tensor(base), galton.tensor(masks[0]),
                                        alpha=1.0, colors="blue").numpy()
    assert (one[:, :3] == np.array([0, 0, 255])[:, None, None]).all()


def test_segmentation_masks_float_and_errors():
    img = galton.tensor(np.full((3, 4, 4), 0.5, np.float32))
    m = np.zeros((4, 4), bool)
    m[0, 0] = True
    out = utils.draw_segmentation_masks(img, galton.tensor(m), alpha=0.8, colors="white")
    assert out.dtype == galton.float32
    np.testing.assert_allclose(out.numpy()[:, 0, 0], 0.5 * 0.2 + 0.8, rtol=1e-6)
    np.testing.assert_allclose(out.numpy()[:, 1, 1], 0.5, rtol=1e-6)
    with pytest.raises(ValueError, match="dtype bool"):
        utils.draw_segmentation_masks(img, galton.zeros(4, 4))
    with pytest.raises(ValueError, match="same height and width"):
        utils.draw_segmentation_masks(img, galton.tensor(np.zeros((5, 4), bool)))
    with pytest.raises(ValueError, match="Pass an RGB image"):
        utils.draw_segmentation_masks(_img(c=1, h=4, w=4), galton.tensor(m))


# --- keypoints ------------------------------------------------------------------------------------
def test_keypoints_discs_and_connecting_lines():
    kp = galton.tensor([[[5, 5], [20, 20]]])
    out = utils.draw_keypoints(_img(h=30, w=30), kp, connectivity=[(0, 1)], colors="blue",
                               radius=2, width=1)
    assert px(out, 5, 3) == (0, 0, 255) and px(out, 22, 20) == (0, 0, 255)  # disc edges
    assert px(out, 12, 12) == (255, 255, 255)  # on the line (PIL's default ink: white)
    assert px(out, 20, 5) == (0, 0, 0)
    hidden = utils.draw_keypoints(_img(h=30, w=30), kp, connectivity=[(0, 1)], colors="blue",
                                  visibility=galton.tensor([[True, False]]))
    assert px(hidden, 12, 12) == (0, 0, 0) and px(hidden, 20, 20) == (0, 0, 0)
    assert px(hidden, 5, 5) == (0, 0, 255)
    with pytest.raises(ValueError, match=r"\(num_instances, K, 2\)"):
        utils.draw_keypoints(_img(), galton.tensor([[5, 5]]))
    with pytest.raises(ValueError, match="same dimensionality"):
        utils.draw_keypoints(_img(), kp, visibility=galton.tensor([[True, True, True]]))


# --- flow -----------------------------------------------------------------------------------------
def test_flow_to_image_colours_by_hand():
    # dx, dy per pixel: right, left, down, half right, none
    flow = np.zeros((2, 1, 5), np.float32)
    flow[:, 0, 0] = (1, 0)
    flow[:, 0, 1] = (-1, 0)
    flow[:, 0, 2] = (0, 1)
    flow[:, 0, 3] = (0.5, 0)
    img = utils.flow_to_image(galton.tensor(flow))
    assert img.dtype == galton.uint8 and tuple(img.shape) == (3, 1, 5)
    got = [px(img, x, 0) for x in range(5)]
    # right: the wheel's first hue (red); left: hue 27 of 55, in the cyan-blue ramp
    # (green 255 - floor(255 * 2 / 11) = 209); down: halfway between hues 13 and 14 of the
    # red-yellow ramp (green (221 + 238) / 2 = 229.5, floored); half length: halfway to white;
    # no motion: white
    assert got == [(255, 0, 0), (0, 209, 255), (255, 229, 0), (255, 127, 127),
                   (255, 255, 255)]
    batch = utils.flow_to_image(galton.tensor(np.stack([flow, flow * 3])))
    assert tuple(batch.shape) == (2, 3, 1, 5)
    np.testing.assert_array_equal(batch.numpy()[1], img.numpy())  # scale-free
    zero = utils.flow_to_image(galton.zeros(2, 3, 3))
    assert zero.numpy().min() == 255


def test_flow_to_image_errors():
    with pytest.raises(ValueError, match="dtype torch.float"):
        utils.flow_to_image(galton.zeros(2, 3, 3, dtype=galton.float64))
    with pytest.raises(ValueError, match=r"\(2, H, W\) or \(N, 2, H, W\), got \(3, 4, 4\)"):
        utils.flow_to_image(galton.zeros(3, 4, 4))
