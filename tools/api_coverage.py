"""How much of PyTorch's public API galton has, namespace by namespace.

    python tools/api_coverage.py              # a table: namespace, has / public, share
    python tools/api_coverage.py --missing    # and every missing name, with its category
    python tools/api_coverage.py --markdown   # the table as Markdown (for the README)
    python tools/api_coverage.py --json       # everything, for scripts

Which names count ("public"): what PyTorch 2.13 exposes through ``dir()`` of the namespace,
without a leading underscore, that a program can call or instantiate: functions and classes.
Left out: submodules, dtypes, layouts, memory formats and other constants, names a module only
imported for itself (``typing``'s, ``math``, ``warnings``...: kept only when defined in
``torch`` itself or a C extension). Per namespace:

- ``torch``: the functions (``torch.add``, ``torch.add_``...); its classes are a row of their own.
- ``torch.Tensor``: every public attribute (methods and properties such as ``shape``, ``T``).
- ``torch.nn``: the classes (layers, containers, ``Parameter``); ``torch.nn.functional``: functions.
- ``torch.optim``: optimisers; ``torch.optim.lr_scheduler``: schedulers.
- torchvision is never installed: its public names are written below as data (TORCHVISION).

A name galton has is one that ``getattr`` finds in galton's namespace of the same role
(``galton``, ``galton.Tensor``, ``galton.nn``, ``galton.vision.transforms``...); the tests of
each name check that it behaves as PyTorch's. Each missing name gets a category so the report
can say what the rest is: sparse, quantised, complex, device-internal (CUDA/cuDNN/MKL-DNN/MPS
kernels, storages, TorchScript's graph types, the C++ autograd internals) or other.
"""
import argparse
import importlib
import inspect
import json
import re
import sys
import types

# torchvision's public names (torchvision 0.28 is the one PyTorch 2.13 pairs with). torchvision
# is not installed here, so the lists are data: the ``__all__`` of torchvision/transforms/
# transforms.py + autoaugment.py (v1 transforms), torchvision/datasets/__init__.py, torchvision/
# utils.py and the builders, model classes and API functions of torchvision/models/*.py
# (classification models; the detection/segmentation/video/optical_flow/quantization
# subpackages are submodules and left out, as are the per-model ``*_Weights`` enums, counted as
# one entry per family), read from pytorch/vision's sources.
_RESNETS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
            "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"]
_REGNETS = [f"regnet_{k}_{s}" for k in "yx" for s in
            ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")] + ["regnet_y_128gf"]
TORCHVISION = {
    "transforms": [
        "Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "ToPILImage", "Normalize",
        "Resize", "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder",
        "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop",
        "FiveCrop", "TenCrop", "LinearTransformation", "ColorJitter", "RandomRotation",
        "RandomAffine", "Grayscale", "RandomGrayscale", "RandomPerspective", "RandomErasing",
        "GaussianBlur", "InterpolationMode", "RandomInvert", "RandomPosterize", "RandomSolarize",
        "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "ElasticTransform",
        "AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"],
    "datasets": [
        "LSUN", "LSUNClass", "ImageFolder", "DatasetFolder", "FakeData", "CocoCaptions",
        "CocoDetection", "CIFAR10", "CIFAR100", "EMNIST", "FashionMNIST", "QMNIST", "MNIST",
        "KMNIST", "MovingMNIST", "StanfordCars", "STL10", "SUN397", "SVHN", "PhotoTour",
        "SEMEION", "Omniglot", "SBU", "Flickr8k", "Flickr30k", "Flowers102", "VOCSegmentation",
        "VOCDetection", "Cityscapes", "ImageNet", "Caltech101", "Caltech256", "CelebA",
        "WIDERFace", "SBDataset", "VisionDataset", "USPS", "Kinetics", "HMDB51", "UCF101",
        "Places365", "Kitti", "INaturalist", "LFWPeople", "LFWPairs", "KittiFlow", "Sintel",
        "FlyingChairs", "FlyingThings3D", "HD1K", "Food101", "DTD", "FER2013", "GTSRB",
        "CLEVRClassification", "OxfordIIITPet", "PCAM", "Country211", "FGVCAircraft", "EuroSAT",
        "RenderedSST2", "Kitti2012Stereo", "Kitti2015Stereo", "CarlaStereo",
        "Middlebury2014Stereo", "CREStereo", "FallingThingsStereo", "SceneFlowStereo",
        "SintelStereo", "InStereo2k", "ETH3DStereo", "wrap_dataset_for_transforms_v2",
        "Imagenette"],
    "models": [
        "AlexNet", "alexnet", "ConvNeXt", "convnext_tiny", "convnext_small", "convnext_base",
        "convnext_large", "DenseNet", "densenet121", "densenet161", "densenet169",
        "densenet201", "EfficientNet", *[f"efficientnet_b{i}" for i in range(8)],
        "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l", "GoogLeNet", "googlenet",
        "Inception3", "inception_v3", "MaxVit", "maxvit_t", "MNASNet", "mnasnet0_5",
        "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "MobileNetV2", "mobilenet_v2", "MobileNetV3",
        "mobilenet_v3_large", "mobilenet_v3_small", "RegNet", *_REGNETS, "ResNet", *_RESNETS,
        "ShuffleNetV2", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
        "shufflenet_v2_x2_0", "SqueezeNet", "squeezenet1_0", "squeezenet1_1", "VGG",
        *[f"vgg{n}{bn}" for n in (11, 13, 16, 19) for bn in ("", "_bn")], "VisionTransformer",
        "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14", "SwinTransformer", "swin_t",
        "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b", "get_model",
        "get_model_weights", "get_weight", "list_models", "Weights", "WeightsEnum"],
    "utils": ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks",
              "draw_keypoints", "flow_to_image"],
}

# (PyTorch namespace, galton's namespace, which names count)
NAMESPACES = [
    ("torch", "galton", "functions"),
    ("torch (classes)", "galton", "classes"),
    ("torch.Tensor", "galton.Tensor", "attributes"),
    ("torch.nn", "galton.nn", "classes"),
    ("torch.nn.functional", "galton.nn.functional", "functions"),
    ("torch.linalg", "galton.linalg", "callables"),
    ("torch.distributions", "galton.distributions", "callables"),
    ("torch.optim", "galton.optim", "classes"),
    ("torch.optim.lr_scheduler", "galton.optim.lr_scheduler", "classes"),
    ("torch.utils.data", "galton.utils.data", "callables"),
    ("torchvision.transforms", "galton.vision.transforms", "torchvision"),
    ("torchvision.datasets", "galton.vision.datasets", "torchvision"),
    ("torchvision.models", "galton.vision.models", "torchvision"),
    ("torchvision.utils", "galton.vision.utils", "torchvision"),
]

# A missing name's category, by the first pattern its name matches (checked in this order).
CATEGORIES = [
    ("quantised", r"quantiz|^q_|_q_|qscheme|int_repr|fake_quant|fbgemm|qint|quint|qparams|"
                  r"^QInt|^QUInt|^quantized_|^Quantized"),
    ("sparse", r"sparse|_coo|^coo|csr|csc|bsr|bsc|to_dense|^indices$|^values$|crow_|ccol_|"
               r"row_indices|col_indices|coalesce|^smm$|hspmm|sspaddmm|saddmm|dense_dim|nnz|"
               r"sparse_dim|spmm|^sparse"),
    ("complex", r"complex|conj|^real$|^imag$|angle|polar|view_as_real|resolve_neg|is_neg|"
                r"^sgn|chalf|cfloat|cdouble|stft|^istft|adjoint|fft"),
    ("device-internal", r"cuda|cudnn|mkldnn|miopen|mps|xpu|hip|vulkan|nnpack|mtia|ipu|hpu|xla|"
                        r"^is_pinned|share_memory|storage|Storage|data_ptr|record_stream|"
                        r"nested|_backward|^native_|fused|jit|script|Script|^Graph|^Node|Type$|"
                        r"^Future|^Stream|^Event|_pack_|^ort|^lazy|sym_|Sym[A-Z]|^Dispatch|"
                        r"^Aliasdb|^AliasDb|^Block|^Code|^Compilation|^Complete|^Concrete|"
                        r"^DeserializationStorage|^Error|^Execution|^FileCheck|^Gradual|"
                        r"^IODescriptor|^Inferred|^Interface|^LiteScript|^LockingLogger|"
                        r"^LoggerBase|^Module|^NoopLogger|^PyObject|^PyTorchFile|^Scope|"
                        r"^StaticModule|^TracingState|^Use$|^Value$|^Argument|^AggregationType|"
                        r"^BenchmarkConfig|^BenchmarkExecution|^BufferDict|^CallStack|^Capsule|"
                        r"^ConstQuantizer|^ParameterDict|^SUM$|^AVG$|^Tag$|^ThroughputBench|"
                        r"^Deserialization|^DisableTorchFunction|^ExcludeDispatch|^FunctionSchema|"
                        r"^JITException|^FatalError|^AcceleratorError|^OutOfMemoryError|"
                        r"^TypedStorage|^UntypedStorage|^StorageBase|^memory_format|"
                        r"^compiled_with|^get_device_module|^from_dlpack|dlpack|^export|"
                        r"_dynamo|^vmap$|^cond$|^classproperty|^typename|^unify_type|"
                        r"^set_vital|^vitals|^is_inference|^inference_mode|^set_autocast|"
                        r"autocast|^get_autocast|^clear_autocast|_cache_enabled|^is_grad_enabled$"
                        r"|^with_grad|^batch_norm_|^thnn|^\w+_copy$|_jvp|torch_function|boolean_dispatch|"
                        r"^assert_int_or_pair"),
]
_CATEGORY_RE = [(c, re.compile(p)) for c, p in CATEGORIES]


def category(name):
    """The category of a name galton lacks: sparse, quantised, complex, device-internal, other."""
    for cat, pattern in _CATEGORY_RE:
        if pattern.search(name):
            return cat
    return "other"


def _import(path):
    """A dotted path: a module (imported), or a module's attribute (``galton.Tensor``)."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        mod, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(mod), attr)


def _own(obj):
    """Defined by PyTorch itself (or a C extension), not a helper module's import."""
    mod = getattr(obj, "__module__", None)
    return mod is None or mod.startswith("torch") or mod == "builtins"


def public_names(namespace, kind):
    """PyTorch's public names of ``namespace`` that count (see the module docstring)."""
    if kind == "torchvision":
        return sorted(set(TORCHVISION[namespace.split(".", 1)[1]]))
    ns = _import(namespace.split(" ")[0])
    names = []
    for name in dir(ns):
        if name.startswith("_"):
            continue
        if kind == "attributes":
            names.append(name)
            continue
        try:
            obj = getattr(ns, name)
        except Exception:  # a lazy attribute that fails to load is not usable
            continue
        if isinstance(obj, types.ModuleType) or not callable(obj) or not _own(obj):
            continue
        is_class = inspect.isclass(obj)
        if ((kind == "functions" and not is_class) or (kind == "classes" and is_class)
                or kind == "callables"):
            names.append(name)
    return sorted(names)


def coverage():
    """One row per namespace: PyTorch's public names, galton's share, the missing names."""
    rows = []
    for torch_ns, galton_ns, kind in NAMESPACES:
        names = public_names(torch_ns, kind)
        ours = _import(galton_ns)
        have = [n for n in names if _has(ours, n)]
        missing = sorted(set(names) - set(have))
        by_cat = {}
        for n in missing:
            by_cat.setdefault(category(n), []).append(n)
        rows.append({"namespace": torch_ns, "galton": galton_ns, "public": len(names),
                     "has": len(have), "share": len(have) / len(names) if names else 1.0,
                     "missing": by_cat})
    return rows


def _has(ns, name):
    try:
        getattr(ns, name)
        return True
    except Exception:  # AttributeError, or a lazy import that fails: not usable
        return False


def _counts(row):
    other = len(row["missing"].get("other", []))
    rest = sum(len(v) for v in row["missing"].values()) - other
    return other, rest


def table(rows, markdown=False):
    head = ("namespace", "galton has", "public", "share", "missing: other",
            "sparse/quantised/complex/device-internal")
    lines = []
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    else:
        lines.append(f"{head[0]:<26}{head[1]:>11}{head[2]:>8}{head[3]:>8}{head[4]:>16}"
                     f"{'special (sp/q/c/dev)':>22}")
    for r in rows:
        other, rest = _counts(r)
        cells = (r["namespace"], str(r["has"]), str(r["public"]), f"{100 * r['share']:.0f} %",
                 str(other), str(rest))
        if markdown:
            lines.append("| `" + cells[0] + "` | " + " | ".join(cells[1:]) + " |")
        else:
            lines.append(f"{cells[0]:<26}{cells[1]:>11}{cells[2]:>8}{cells[3]:>8}"
                         f"{cells[4]:>16}{cells[5]:>22}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="the table as Markdown")
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    parser.add_argument("--namespace", help="only this PyTorch namespace (e.g. torch.Tensor)")
    parser.add_argument("--json", action="store_true", help="everything as JSON")
    args = parser.parse_args(argv)
    rows = coverage()
    if args.namespace:
        rows = [r for r in rows if r["namespace"] == args.namespace]
        if not rows:
            parser.error(f"unknown namespace {args.namespace!r}; one of "
                         + ", ".join(n for n, _, _ in NAMESPACES))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(table(rows, markdown=args.markdown))
    if args.missing:
        for r in rows:
            for cat in ("other", "sparse", "quantised", "complex", "device-internal"):
                names = r["missing"].get(cat)
                if names:
                    print(f"\n{r['namespace']} missing, {cat} ({len(names)}):\n  "
                          + " ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
