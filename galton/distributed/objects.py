"""Small Python objects between ranks. They cross the wire as JSON text in a uint8 array (MPI's
buffer calls), never as pickle: receiving an object from another process can never run code,
as everywhere in galton. Objects must therefore be JSON-serialisable (numbers, strings, lists,
dicts with string keys, None/True/False); tuples arrive as lists."""
import json

import numpy as np

from .process_group import resolve

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object"]


def _encode(obj, what):
    try:
        text = json.dumps(obj, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be JSON-serialisable (galton sends objects as JSON, never "
                        f"pickle): {exc}") from None
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _decode(arr):
    return json.loads(arr.tobytes().decode("utf-8"))


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Every rank's ``object_list`` (same length everywhere) becomes rank ``src``'s, in place."""
    pg = resolve(group)
    if pg is None:
        return
    root = pg.group_rank(src, "src")
    payload = _encode(list(object_list), "object_list") if pg.rank() == root else None
    n = np.array([0 if payload is None else payload.size], dtype=np.int64)
    pg.comm.Bcast(n, root=root)
    buf = payload if payload is not None else np.empty(int(n[0]), dtype=np.uint8)
    pg.comm.Bcast(buf, root=root)
    received = _decode(buf)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects, this "
                         f"rank's object_list holds {len(object_list)}")
    object_list[:] = received


def _all_payloads(pg, obj, what):
    payload = _encode(obj, what)
    sizes = np.empty(pg.size(), dtype=np.int64)
    pg.comm.Allgather(np.array([payload.size], dtype=np.int64), sizes)
    return payload, sizes


def _split(buf, sizes):
    ends = np.cumsum(sizes)
    return [_decode(buf[e - s:e]) for s, e in zip(sizes, ends)]


def all_gather_object(object_list, obj, group=None):
    """``object_list[i]`` becomes rank i's ``obj`` on every rank."""
    pg = resolve(group)
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"object_list holds {len(object_list)} entries; the group has "
                         f"{pg.size()} ranks")
    payload, sizes = _all_payloads(pg, obj, "obj")
    buf = np.empty(int(sizes.sum()), dtype=np.uint8)
    displs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pg.comm.Allgatherv(payload, [buf, (sizes.tolist(), displs.tolist())])
    object_list[:] = _split(buf, sizes)


def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """Rank ``dst``'s ``object_gather_list[i]`` becomes rank i's ``obj``."""
    pg = resolve(group)
    if pg is None:
        return
    root = pg.group_rank(dst, "dst")
    payload, sizes = _all_payloads(pg, obj, "obj")
    if pg.rank() != root:
        pg.comm.Gatherv(payload, None, root=root)
        return
    if object_gather_list is None or len(object_gather_list) != pg.size():
        raise ValueError(f"object_gather_list must hold {pg.size()} entries on rank {dst}")
    buf = np.empty(int(sizes.sum()), dtype=np.uint8)
    displs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pg.comm.Gatherv(payload, [buf, (sizes.tolist(), displs.tolist())], root=root)
    object_gather_list[:] = _split(buf, sizes)
