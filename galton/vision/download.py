"""Fetching dataset files: local copies first, then mirrors, with checksums and resume.

``download_url(urls, path, md5)`` tries each URL in order. Bytes go to ``path + ".part"``; a
``.part`` left by a cut connection (in this run or an earlier one) is continued with an HTTP
``Range`` request; the file is renamed to ``path`` only once its MD5 matches, so a half or
wrong file never sits where a dataset looks for its data. When every URL fails the error
names each one and why.

Before any network, :func:`find_local_copy` looks in directories that hold datasets on this
machine (Debian's ``dataset-fashion-mnist`` installs Fashion-MNIST under
``/usr/share/datasets/fashion-mnist``). ``GALTON_DATASETS_PATH`` (directories separated by
``os.pathsep``) replaces that list.
"""
import hashlib
import http.client
import os
import shutil
import socket
import tarfile
import urllib.error
import urllib.request

__all__ = ["DownloadError", "calculate_md5", "check_integrity", "local_dataset_dirs",
           "find_local_copy", "download_url", "extract_archive", "extract_tree", "fetch",
           "extract_zip"]

USER_AGENT = "galton/0.1 (+https://pypi.org/project/galton)"
_CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """No source gave a file with the right checksum; the message lists each one tried."""


def calculate_md5(path, chunk_size=1 << 20):
    """The MD5 hex digest of a file, read in chunks."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_integrity(path, md5=None):
    """True when ``path`` is a file and (if ``md5`` is given) its MD5 matches."""
    if not os.path.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5.lower()


def local_dataset_dirs(defaults=()):
    """Directories searched for local copies: ``GALTON_DATASETS_PATH`` if set, else ``defaults``."""
    env = os.environ.get("GALTON_DATASETS_PATH")
    if env is not None:
        return [d for d in env.split(os.pathsep) if d]
    return list(defaults)


def find_local_copy(filename, md5=None, dirs=()):
    """The first ``dir/filename`` among ``local_dataset_dirs(dirs)`` whose MD5 matches, or None.

    ``md5`` may be a tuple of accepted sums: a distribution may recompress the same content
    (Debian's Fashion-MNIST files differ from the upstream .gz files byte for byte).
    """
    sums = md5 if isinstance(md5, (tuple, list)) else (md5,)
    for d in local_dataset_dirs(dirs):
        candidate = os.path.join(d, filename)
        if any(check_integrity(candidate, m) for m in sums):
            return candidate
    return None


def copy_local(src, path):
    """Copy ``src`` to ``path`` through a ``.part`` file, so a crash leaves no half file."""
    part = path + ".part"
    shutil.copyfile(src, part)
    os.replace(part, path)
    return path


class _Cut(Exception):
    """The connection ended before the announced number of bytes arrived."""


def _progress_bar(total, initial, name, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar, no message
        return None
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=name, leave=False)


def _fetch(url, part, progress, timeout):
    """Fetch ``url`` into ``part``, continuing an existing ``part`` with a Range request."""
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # nothing left to send: the .part is already whole (the checksum decides)
            return
        raise
    with response:
        length = response.headers.get("Content-Length")
        length = int(length) if length is not None else None
        content_range = response.headers.get("Content-Range", "")
        if offset and response.status == 206 and content_range.startswith(f"bytes {offset}-"):
            mode, total = "ab", (offset + length if length is not None else None)
        else:
            # the server ignored the Range header (or has none to honour): start over
            mode, offset, total = "wb", 0, length
        bar = _progress_bar(total, offset, os.path.basename(part)[:-5], progress)
        received = offset
        try:
            with open(part, mode) as f:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if total is not None and received < total:
        raise _Cut(f"connection closed after {received} of {total} bytes")


def _reason(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP Error {exc.code}: {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"{type(exc.reason).__name__}: {exc.reason}"
    return f"{type(exc).__name__}: {exc}"


# failures after which continuing the same URL with Range can help
_RESUMABLE = (_Cut, http.client.IncompleteRead, ConnectionError, socket.timeout, TimeoutError)


def download_url(urls, path, md5=None, progress=True, timeout=30, retries=3, hint=""):
    """Download ``path`` from the first of ``urls`` that works; return ``path``.

    ``urls`` is one URL or a list tried in order. With ``md5`` the file is accepted only when
    its checksum matches (a wrong file is deleted and the next URL tried). A connection cut
    half-way is resumed with an HTTP Range request up to ``retries`` times per URL. A progress
    bar is shown when tqdm is installed and ``progress`` is true. When every URL fails a
    :class:`DownloadError` lists each URL and its reason, followed by ``hint``.
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    part = path + ".part"
    failures = []
    for i, url in enumerate(urls):
        if i and md5 is None and os.path.exists(part):
            # without a checksum, bytes from another server cannot be trusted to continue
            os.remove(part)
        resumes = 0
        while True:
            before = os.path.getsize(part) if os.path.exists(part) else 0
            try:
                _fetch(url, part, progress, timeout)
            except _RESUMABLE as exc:
                grew = os.path.exists(part) and os.path.getsize(part) > before
                if grew and resumes < retries:
                    resumes += 1
                    continue
                failures.append((url, _reason(exc)))
                break
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                failures.append((url, _reason(exc)))
                break
            if md5 is not None:
                got = calculate_md5(part)
                if got != md5.lower():
                    os.remove(part)
                    if before and resumes < retries:
                        # the stale .part we continued may be the bad part: retry from zero
                        resumes += 1
                        continue
                    failures.append((url, f"checksum mismatch: expected MD5 {md5}, got {got}"))
                    break
            os.replace(part, path)
            return path
    if os.path.exists(part) and md5 is None:
        os.remove(part)
    lines = [f"could not download {os.path.basename(path)}; tried {len(urls)} URL(s):"]
    lines += [f"  {url}: {why}" for url, why in failures]
    if not urls:
        lines.append("  (no URL given)")
    if hint:
        lines.append(hint)
    raise DownloadError("\n".join(lines))


def extract_archive(archive, to_path, members):
    """Extract the named regular files of a tar archive (gz or plain) into ``to_path``.

    Only ``members`` (paths inside the archive) are written, each under ``to_path`` with its
    path checked, so a crafted archive cannot write elsewhere or plant links.
    """
    to_root = os.path.abspath(to_path)
    with tarfile.open(archive, "r:*") as tar:
        for name in members:
            info = tar.getmember(name)
            if not info.isfile():
                raise ValueError(f"{archive}: member {name} is not a regular file")
            dest = os.path.abspath(os.path.join(to_root, name))
            if os.path.commonpath([dest, to_root]) != to_root:
                raise ValueError(f"{archive}: member {name} points outside {to_path}")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with tar.extractfile(info) as src, open(dest + ".part", "wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(dest + ".part", dest)



def _write_member(archive, to_path, name, open_member):
    """Write one archive member under ``to_path``: its path checked so that a crafted archive
    cannot write outside ``to_path``, its bytes written to a temporary file and renamed."""
    to_root = os.path.abspath(to_path)
    dest = os.path.abspath(os.path.join(to_root, name))
    if os.path.commonpath([dest, to_root]) != to_root:
        raise ValueError(f"{archive}: member {name} points outside {to_path}")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open_member() as src, open(dest + ".part", "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(dest + ".part", dest)


def extract_tree(archive, to_path, prefix):
    """Extract the regular files under ``prefix`` (a folder inside a tar archive, gz or plain)
    into ``to_path``, in one pass over the archive (Food-101's holds 101,000 images: looking
    each one up by name would be quadratic), each path checked as in :func:`extract_archive`;
    return how many were written."""
    count = 0
    with tarfile.open(archive, "r:*") as tar:
        for info in tar:
            if not info.isfile() or not info.name.startswith(prefix):
                continue
            _write_member(archive, to_path, info.name, lambda: tar.extractfile(info))
            count += 1
    return count


def fetch(folder, filename, md5, urls, local_dirs=(), hint="", progress=True):
    """``folder/filename`` with the right MD5: kept if already there, else copied from a local
    copy (:func:`find_local_copy`), else downloaded from the first of ``urls`` that works."""
    path = os.path.join(folder, filename)
    if check_integrity(path, md5):
        return path
    os.makedirs(folder, exist_ok=True)
    local = find_local_copy(filename, md5, local_dirs)
    if local is not None:
        return copy_local(local, path)
    return download_url(urls, path, md5, progress=progress, hint=hint)


def extract_zip(archive, to_path, prefix):
    """Extract the regular files under ``prefix`` (a folder inside the zip) into ``to_path``,
    each path checked so that a crafted archive cannot write outside ``to_path``; return how
    many were written."""
    import zipfile
    count = 0
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{archive}: not a zip archive ({exc})") from None
    with zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.startswith(prefix):
                continue
            _write_member(archive, to_path, info.filename, lambda: zf.open(info))
            count += 1
    return count
