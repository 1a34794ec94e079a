"""``POST /explain/``: where the network looked in an uploaded picture, as JSON or as a PNG
to lay over it; and the draw page's script that shows it over the canvas (static/explain.js,
written into the page).

    POST /explain/?method=saliency|gradcam|gradcam++|ig|smoothgrad|occlusion
                  &format=json|png&target=CLASS      multipart field ``file``: an image
    json: {method, prediction_index, label, confidence, target, target_label, size [H, W],
           map (H×W in [0, 1], over the model's input), image_size [H, W],
           image_box, input_box (where the picture's ink sits in each; null: all of it)}
    png:  the map coloured (jet) with opacity rising with the attribution, at the uploaded
          picture's size and aligned with it, to be drawn over it
    GET /explain/methods   {"methods": [...]}: those this model has (Grad-CAM needs a conv)
"""
import io
import os

import numpy as np

__all__ = ["SERVE_METHODS", "explain_image", "overlay_png", "inline_script",
           "add_explain_routes"]

# what the service computes on request: the methods that take one or a few passes
SERVE_METHODS = ("saliency", "gradcam", "gradcam++", "ig", "smoothgrad", "occlusion")
_STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def explain_image(predictor, image, method="saliency", target=None):
    """The explanation of one Pillow image by ``predictor``'s model (see the module's JSON),
    with the map as a NumPy array under ``"map"``."""
    from ..explain import attribute
    from ..plot.explain import attribution_map
    from ..vision.preprocess import input_placement
    if method not in SERVE_METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(SERVE_METHODS)}")
    x = predictor.prepare(image)
    probs = predictor.predict_array(x)
    index = int(np.argmax(probs))
    t = index if target is None else int(target)
    if not 0 <= t < len(predictor.classes):
        raise ValueError(f"target {t} is out of range: the model has "
                         f"{len(predictor.classes)} classes (0..{len(predictor.classes) - 1})")
    # gradients need grad mode on, which the predictor's no_grad passes switch off process-wide:
    # take the predictor's turn
    with predictor._lock:
        attr, _ = attribute(predictor.model, x[None], method,
                            0 if predictor.binary else t, mean=predictor.mean,
                            std=predictor.std)
    heat = attribution_map(attr.numpy()[0], "absolute")
    placement = input_placement(image, predictor.input_shape, predictor.style)
    return {"method": method, "prediction_index": index, "label": predictor.classes[index],
            "confidence": float(probs[index]), "target": t,
            "target_label": predictor.classes[t], "size": list(heat.shape), "map": heat,
            "image_size": [image.height, image.width],
            "image_box": list(placement[0]) if placement else None,
            "input_box": list(placement[1]) if placement else None}


def _jet(v):
    """The jet colour map of v in [0, 1] as RGB in [0, 1] (no matplotlib in the service)."""
    return np.stack([np.clip(1.5 - np.abs(4 * v - k), 0, 1) for k in (3, 2, 1)], axis=-1)


def overlay_png(result, alpha=0.7):
    """The map of ``explain_image`` as an RGBA PNG the size of the picture, aligned with it:
    the model's input grid scaled and shifted as its ink box is onto the picture's ink box
    (or stretched over the whole picture for the other styles), transparent where the
    attribution is zero."""
    from PIL import Image
    h, w = result["image_size"]
    heat = np.asarray(result["map"], np.float32)
    full = np.zeros((h, w), np.float32)
    if result["input_box"]:
        # the input grid is the picture's ink box scaled and shifted: the same scaling and
        # shift carry the whole grid (its black margin included) back onto the picture
        t, l, bh, bw = result["input_box"]
        it, il, ih, iw = result["image_box"]
        sy, sx = ih / bh, iw / bw
        gh, gw = heat.shape
        top, left = round(it - t * sy), round(il - l * sx)
        big = np.asarray(Image.fromarray(heat, "F").resize(
            (max(1, round(gw * sx)), max(1, round(gh * sy))), Image.Resampling.BILINEAR))
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + big.shape[0], h), min(left + big.shape[1], w)
        if y1 > y0 and x1 > x0:
            full[y0:y1, x0:x1] = big[y0 - top:y1 - top, x0 - left:x1 - left]
    else:
        full = np.asarray(Image.fromarray(heat, "F").resize((w, h), Image.Resampling.BILINEAR))
    full = np.clip(full, 0, 1)
    rgba = np.concatenate([_jet(full), (alpha * np.sqrt(full))[..., None]], axis=-1)
    buf = io.BytesIO()
    Image.fromarray((rgba * 255).round().astype(np.uint8), "RGBA").save(buf, "PNG")
    return buf.getvalue()


def inline_script(page):
    """The draw page with static/explain.js written into it where ``<!-- explain.js -->``
    stands (the page loads no script from elsewhere)."""
    with open(os.path.join(_STATIC, "explain.js"), encoding="utf-8") as fh:
        return page.replace("<!-- explain.js -->", "<script>\n" + fh.read() + "</script>")


def add_explain_routes(app, predictor, max_upload_bytes):
    """Add ``POST /explain/`` and ``GET /explain/methods`` to the FastAPI ``app``."""
    import fastapi
    from fastapi.responses import JSONResponse, Response

    from ..vision.preprocess import ImageReadError, ImageTooLargeError, load_image

    from .app import _clean

    def explain(file: fastapi.UploadFile = fastapi.File(None), method: str = "saliency",
                format: str = "json", target: int = None):
        """Where the network looked in the image uploaded as multipart field ``file``."""
        if format not in ("json", "png"):
            raise fastapi.HTTPException(400, f"format must be json or png, got {format!r}")
        if method not in SERVE_METHODS:
            raise fastapi.HTTPException(400, f"unknown method {method!r}: use one of "
                                             f"{', '.join(SERVE_METHODS)}")
        if file is None or isinstance(file, str):
            raise fastapi.HTTPException(400, "No file uploaded: send the image as "
                                             "multipart/form-data in a field named 'file'.")
        name = file.filename or "the uploaded file"
        data = file.file.read(max_upload_bytes + 1)
        if not data:
            raise fastapi.HTTPException(400, f"{name} is empty: upload an image file.")
        if len(data) > max_upload_bytes:
            raise fastapi.HTTPException(413, f"{name} is larger than "
                                             f"{max_upload_bytes // (1024 * 1024)} MiB.")
        try:
            # the same limits as /predict/: formats, pixel budget read from the header, and
            # the decode in the predictor's bounded pool of threads
            image = predictor._decoder.submit(
                load_image, bytes(data), name=name, formats=predictor.formats,
                max_pixels=predictor.max_pixels).result()
        except ImageTooLargeError as exc:
            raise fastapi.HTTPException(413, _clean(str(exc))) from None
        except ImageReadError as exc:
            raise fastapi.HTTPException(400, f"File provided is not an image: "
                                             f"{_clean(str(exc))}") from None
        try:
            result = explain_image(predictor, image, method, target)
        except ValueError as exc:
            raise fastapi.HTTPException(400, str(exc)) from None
        if format == "png":
            return Response(overlay_png(result), media_type="image/png",
                            headers={"X-Label": str(result["label"]),
                                     "X-Confidence": f"{result['confidence']:.6f}"})
        result["map"] = np.round(result["map"], 4).tolist()
        return JSONResponse(result)

    @app.get("/explain/methods")
    def explain_methods():
        """The methods /explain/ offers for this model (Grad-CAM needs a convolution)."""
        from ..explain import conv_layers
        has_conv = bool(conv_layers(predictor.model))
        return {"methods": [m for m in SERVE_METHODS if has_conv or not m.startswith("gradcam")]}

    app.add_api_route("/explain/", explain, methods=["POST"])
    app.add_api_route("/explain", explain, methods=["POST"], include_in_schema=False)
