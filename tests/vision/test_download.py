"""Downloads against an HTTP server on 127.0.0.1 that each test starts; no real network."""
import hashlib
import http.server
import io
import os
import socket
import sys
import tarfile
import threading

import numpy as np
import pytest

from galton.vision import datasets
from galton.vision.download import DownloadError, download_url, extract_archive
from galton.vision.io import write_idx


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; honours Range; ``server.cut[path] = n`` makes the next n
    responses for ``path`` stop half-way; ``server.no_range`` ignores Range headers."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        srv = self.server
        srv.log.append((self.path, self.headers.get("Range")))
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and self.path not in srv.no_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        part = body[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(part)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if srv.cut.get(self.path, 0) > 0:
            srv.cut[self.path] -= 1
            self.wfile.write(part[:len(part) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(part)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.files, srv.cut, srv.no_range, srv.log = {}, {}, set(), []
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def refused_url():
    # a port that was just free: nothing listens there, so connecting is refused
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def _md5(data):
    return hashlib.md5(data).hexdigest()


PAYLOAD = bytes(range(256)) * 40  # 10 KiB


def test_failing_mirrors_then_good_one(server, refused_url, tmp_path):
    server.files["/good/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    urls = [f"{server.url}/missing/f.bin", f"{refused_url}/f.bin", f"{server.url}/good/f.bin"]
    assert download_url(urls, str(dest), _md5(PAYLOAD), progress=False) == str(dest)
    assert dest.read_bytes() == PAYLOAD
    assert not os.path.exists(str(dest) + ".part")
    assert [p for p, _ in server.log] == ["/missing/f.bin", "/good/f.bin"]


def test_wrong_checksum_refused_and_nothing_left(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    with pytest.raises(DownloadError, match="checksum mismatch: expected MD5 0{32}, got "
                                            + _md5(PAYLOAD)):
        download_url(f"{server.url}/f.bin", str(dest), "0" * 32, progress=False)
    assert os.listdir(tmp_path) == []


def test_cut_connection_is_resumed_with_range(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    server.cut["/f.bin"] = 1
    dest = tmp_path / "f.bin"
    download_url(f"{server.url}/f.bin", str(dest), _md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.log == [("/f.bin", None), ("/f.bin", f"bytes={len(PAYLOAD) // 2}-")]


def test_part_file_from_an_earlier_run_is_continued(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:1000])
    download_url(f"{server.url}/f.bin", str(dest), _md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.log == [("/f.bin", "bytes=1000-")]


def test_bad_part_file_is_restarted_from_zero(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    dest = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(b"garbage")
    download_url(f"{server.url}/f.bin", str(dest), _md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.log == [("/f.bin", "bytes=7-"), ("/f.bin", None)]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    server.no_range.add("/f.bin")
    dest = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:500])
    download_url(f"{server.url}/f.bin", str(dest), _md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_connection_cut_every_time_gives_up(server, tmp_path):
    server.files["/f.bin"] = PAYLOAD
    server.cut["/f.bin"] = 100
    with pytest.raises(DownloadError, match="connection closed after"):
        download_url(f"{server.url}/f.bin", str(tmp_path / "f.bin"), _md5(PAYLOAD),
                     progress=False, retries=2)
    assert len(server.log) == 3  # the first try and two resumes


def test_all_mirrors_fail_lists_every_url(server, refused_url, tmp_path):
    urls = [f"{server.url}/a/f.bin", f"{refused_url}/f.bin"]
    with pytest.raises(DownloadError) as err:
        download_url(urls, str(tmp_path / "f.bin"), "0" * 32, progress=False,
                     hint="place the files by hand")
    msg = str(err.value)
    assert "tried 2 URL(s)" in msg
    assert f"{urls[0]}: HTTP Error 404" in msg
    assert f"{urls[1]}: ConnectionRefusedError" in msg
    assert msg.endswith("place the files by hand")


def test_progress_bar_with_and_without_tqdm(server, tmp_path, monkeypatch, capsys):
    server.files["/f.bin"] = PAYLOAD
    download_url(f"{server.url}/f.bin", str(tmp_path / "a.bin"), _md5(PAYLOAD), progress=True)
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD
    assert "a.bin" in capsys.readouterr().err  # tqdm drew its bar on stderr
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if tqdm were not installed
    download_url(f"{server.url}/f.bin", str(tmp_path / "b.bin"), _md5(PAYLOAD), progress=True)
    assert (tmp_path / "b.bin").read_bytes() == PAYLOAD
    assert capsys.readouterr().err == ""  # no bar, and no complaint either


def _mnist_files(tmp_path, n_train=5, n_test=3):
    """Tiny MNIST .gz files, keyed by name, and their bytes."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    blobs = {}
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    for name, arr in arrays.items():
        write_idx(src / name, arr)
        blobs[name] = (src / name).read_bytes()
    return arrays, blobs


def test_mnist_download_true_from_mirrors(server, refused_url, tmp_path, monkeypatch):
    arrays, blobs = _mnist_files(tmp_path)
    for name, data in blobs.items():
        server.files["/mnist/" + name] = data
    monkeypatch.setenv("GALTON_DATASETS_PATH", "")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [refused_url + "/", server.url + "/mnist/"])
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, _md5(b)) for n, b in blobs.items()])
    root = tmp_path / "data"
    train = datasets.MNIST(str(root), train=True, download=True)
    np.testing.assert_array_equal(train.data.data, arrays["train-images-idx3-ubyte.gz"])
    assert sorted(os.listdir(root / "MNIST" / "raw")) == sorted(blobs)
    n_requests = len(server.log)
    test = datasets.MNIST(str(root), train=False, download=True)  # already there: no requests
    assert len(test) == 3 and len(server.log) == n_requests


def test_mnist_all_mirrors_fail_explains_offline_placement(refused_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GALTON_DATASETS_PATH", "")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [refused_url + "/a/", refused_url + "/b/"])
    with pytest.raises(DownloadError) as err:
        datasets.MNIST(str(tmp_path), download=True)
    msg = str(err.value)
    assert f"{refused_url}/a/train-images-idx3-ubyte.gz" in msg
    assert f"{refused_url}/b/train-images-idx3-ubyte.gz" in msg
    assert "offline" in msg and os.path.join(str(tmp_path), "MNIST", "raw") in msg


def test_fashion_uses_local_copy_before_network(refused_url, tmp_path, monkeypatch):
    arrays, blobs = _mnist_files(tmp_path)
    monkeypatch.setenv("GALTON_DATASETS_PATH", os.pathsep.join([str(tmp_path / "none"),
                                                                 str(tmp_path / "src")]))
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [refused_url + "/"])
    monkeypatch.setattr(datasets.FashionMNIST, "resources",
                        [(n, _md5(b)) for n, b in blobs.items()])
    ds = datasets.FashionMNIST(str(tmp_path / "data"), train=False, download=True)
    np.testing.assert_array_equal(ds.targets.data, arrays["t10k-labels-idx1-ubyte.gz"])
    assert ds.classes[9] == "Ankle boot"


def test_fashion_default_local_dir_is_debians():
    assert datasets.FashionMNIST.local_dirs == ["/usr/share/datasets/fashion-mnist"]


def test_local_copy_with_wrong_checksum_is_ignored(server, tmp_path, monkeypatch):
    arrays, blobs = _mnist_files(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in blobs:
        (bad / name).write_bytes(b"not the file")
        server.files["/k/" + name] = blobs[name]
    monkeypatch.setenv("GALTON_DATASETS_PATH", str(bad))
    monkeypatch.setattr(datasets.KMNIST, "mirrors", [server.url + "/k/"])
    monkeypatch.setattr(datasets.KMNIST, "resources", [(n, _md5(b)) for n, b in blobs.items()])
    ds = datasets.KMNIST(str(tmp_path / "data"), download=True)
    assert len(ds) == 5 and len(server.log) == 4


def _cifar_archive(tmp_path):
    rng = np.random.default_rng(2)
    buf = io.BytesIO()
    records = {}
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
        for name in names:
            rec = rng.integers(0, 256, (2, 3073), dtype=np.uint8)
            rec[:, 0] = rng.integers(0, 10, 2)
            records[name] = rec
            data = rec.tobytes()
            info = tarfile.TarInfo("cifar-10-batches-bin/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        meta = "\n".join(datasets.CIFAR10.classes).encode() + b"\n"
        info = tarfile.TarInfo("cifar-10-batches-bin/batches.meta.txt")
        info.size = len(meta)
        tar.addfile(info, io.BytesIO(meta))
        evil = tarfile.TarInfo("../evil.txt")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    return buf.getvalue(), records


def test_cifar10_download_and_extract(server, tmp_path, monkeypatch):
    archive, records = _cifar_archive(tmp_path)
    server.files["/kriz/cifar-10-binary.tar.gz"] = archive
    monkeypatch.setenv("GALTON_DATASETS_PATH", "")
    monkeypatch.setattr(datasets.CIFAR10, "mirrors", [server.url + "/kriz/"])
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", _md5(archive))
    root = tmp_path / "data"
    root.mkdir()
    train = datasets.CIFAR10(str(root), train=True, download=True)
    assert len(train) == 10 and train.data.shape == (10, 32, 32, 3)
    assert train.targets[:2] == records["data_batch_1.bin"][:, 0].tolist()
    assert not (tmp_path / "evil.txt").exists()  # only the expected members are written


def test_extract_archive_refuses_paths_outside(tmp_path):
    archive, _ = _cifar_archive(tmp_path)
    (tmp_path / "a.tar.gz").write_bytes(archive)
    with pytest.raises(ValueError, match="outside"):
        extract_archive(tmp_path / "a.tar.gz", str(tmp_path / "out"), ["../evil.txt"])


def test_local_copy_accepts_any_listed_sum(tmp_path, monkeypatch):
    import hashlib
    from galton.vision import download as dl
    (tmp_path / "f.gz").write_bytes(b"recompressed by a distribution")
    good = hashlib.md5(b"recompressed by a distribution").hexdigest()
    monkeypatch.setenv("GALTON_DATASETS_PATH", str(tmp_path))
    assert dl.find_local_copy("f.gz", "0" * 32, [str(tmp_path)]) is None
    assert dl.find_local_copy("f.gz", ("0" * 32, good), [str(tmp_path)]) == str(tmp_path / "f.gz")
