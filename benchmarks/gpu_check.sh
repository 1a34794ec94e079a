#!/usr/bin/env bash
# galton on a GPU, in one short run (under 8 minutes): install CuPy for this machine's CUDA,
# run the device tests on the GPU and the rest of the suite, then galton vs PyTorch on the GPU.
#
#   bash benchmarks/gpu_check.sh              # from the repository root, on the GPU machine
#   GPU_CHECK_DRY=1 bash benchmarks/gpu_check.sh   # print what it would do (no install, no run)
#
# Output: benchmarks/gpu_results/ (pytest logs, the benchmark table as Markdown and JSON).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
OUT=${GPU_CHECK_OUT:-benchmarks/gpu_results}
DRY=${GPU_CHECK_DRY:-0}
mkdir -p "$OUT"

# The CUDA major version: nvidia-smi's "CUDA Version: 12.4" (the driver's), else nvcc's
# "release 12.4"; GPU_CHECK_CUDA_VERSION overrides both (and is what the test sets).
cuda_version() {
    if [ -n "${GPU_CHECK_CUDA_VERSION:-}" ]; then echo "$GPU_CHECK_CUDA_VERSION"; return; fi
    local v=""
    if command -v nvidia-smi >/dev/null 2>&1; then
        v=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9][0-9.]*\).*/\1/p' | head -1)
    fi
    if [ -z "$v" ] && command -v nvcc >/dev/null 2>&1; then
        v=$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9][0-9.]*\).*/\1/p' | head -1)
    fi
    echo "$v"
}

# cupy-cuda11x / cupy-cuda12x / cupy-cuda13x: CuPy's wheels are per CUDA major version.
cupy_package() {
    case "${1%%.*}" in
        11) echo cupy-cuda11x ;;
        12) echo cupy-cuda12x ;;
        13) echo cupy-cuda13x ;;
        *) echo "" ;;
    esac
}

run() {  # print the command; run it unless dry
    echo "+ $*"
    [ "$DRY" = 1 ] || "$@"
}

start=$(date +%s)
ver=$(cuda_version)
pkg=$(cupy_package "$ver")
if [ -z "$pkg" ]; then
    echo "gpu_check: no CUDA found (nvidia-smi/nvcc gave '${ver}'); nothing to check" >&2
    exit 2
fi
echo "gpu_check: CUDA $ver -> $pkg"
run "$PY" -m pip install --quiet "$pkg" || { echo "gpu_check: pip install $pkg failed" >&2; exit 3; }
[ "$DRY" = 1 ] || "$PY" -c "import galton; assert galton.cuda.is_available(), 'CuPy sees no GPU'; print('galton.cuda:', galton.cuda.get_device_name(0))" || exit 4

status=0
# 1. the device tests on the real GPU (the cases the CPU runs on the CuPy stand-in)
GALTON_TEST_DEVICE=cuda run timeout 180 "$PY" -m pytest -q -p no:warnings -n 0 \
    tests/test_device_standin.py tests/test_device_namespaces.py -rfE \
    --junitxml="$OUT/device_tests.xml" 2>&1 | tee "$OUT/device_tests.log" || status=1
# 2. the rest of the suite, CUDA visible (what calls galton.cuda.is_available() takes the GPU)
run timeout 240 "$PY" -m pytest -q -p no:warnings -n 8 --dist loadgroup tests -x \
    --ignore=tests/test_device_standin.py 2>&1 | tail -30 | tee "$OUT/suite.log" || status=1
# 3. galton vs PyTorch on the GPU, one training step per workload
run timeout 150 "$PY" benchmarks/gpu_bench.py --device cuda --json "$OUT/gpu_bench.json" \
    2>&1 | tee "$OUT/gpu_bench.md" || status=1
echo "gpu_check: done in $(( $(date +%s) - start )) s, status $status (results in $OUT)"
exit $status
