import subprocess
import sys

import pytest

import galton


def test_set_num_threads_changes_the_blas_pool():
    code = ("import galton; galton.set_num_threads(1); a = galton.get_num_threads(); "
            "galton.set_num_threads(2); print(a, galton.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "2"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_refuses_bad_values(bad):
    with pytest.raises(ValueError, match="positive integer"):
        galton.set_num_threads(bad)
