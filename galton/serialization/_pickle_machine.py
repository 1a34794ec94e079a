"""A pickle interpreter that can only build inert data: the reader behind ``torch_pickle.py``.

Python's ``pickle.Unpickler`` resolves a global to the real object and lets ``BUILD`` set
attributes on whatever it built or found, so a restricted ``find_class`` alone still lets a file
reach a shared object (``torch.float32`` resolved to ``galton.float32``) and change it. This
machine runs no part of ``pickle`` and touches no object outside the file:

- it knows only the opcodes that PyTorch's ``weights_only`` unpickler knows (protocol 2, what
  ``torch.save`` writes); any other opcode is refused;
- ``GLOBAL`` pushes a fresh ``Global`` marker holding the name, never the object; only the names
  in the caller's table are accepted, and what "calling" one does is the caller's function,
  which builds fresh values from plain data;
- ``REDUCE`` and ``NEWOBJ`` call only such markers; ``BUILD`` is accepted only on a fresh
  OrderedDict (its attributes, e.g. a state dict's ``_metadata``, are dropped) and refused on
  anything else; ``APPEND(S)`` only on lists, ``SETITEM(S)`` only on dicts, and dict keys and set
  items must be plain scalars or flat tuples of them (hashing a deeply nested tuple recurses
  in C).

Errors are ``Refused`` (an opcode or global outside the table) or ``Corrupt`` (anything else);
the caller adds the file's path.
"""
import pickle
import struct

from pickle import decode_long


class Refused(Exception):
    """The pickle needs an opcode or a global that is not allowed."""


class Corrupt(Exception):
    """The pickle is malformed."""


class Global:
    """A global named by the pickle: a fresh marker, never the object itself."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class FreshOrderedDict(dict):
    """A dict made by ``collections.OrderedDict()``: the one kind of object BUILD may update."""


_SCALARS = (str, int, float, bool, bytes, complex, type(None))


def _flat_key(k):
    if isinstance(k, _SCALARS):
        return True
    return type(k) is tuple and all(isinstance(x, _SCALARS) for x in k)


class Machine:
    """Runs one pickle. ``table`` maps an allowed global's name to a function called with the
    REDUCE/NEWOBJ arguments (or to None for a value that is not callable, such as a dtype);
    ``persistent_load(pid)`` resolves BINPERSID."""

    def __init__(self, data, table, persistent_load):
        self.data, self.pos = bytes(data), 0
        self.table, self.persistent_load = table, persistent_load
        self.stack, self.marks, self.memo = [], [], {}

    # --- reading the byte stream ------------------------------------------------------------
    def _take(self, n):
        end = self.pos + n
        if end > len(self.data):
            raise Corrupt("the pickle is truncated")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def _line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise Corrupt("the pickle is truncated")
        line = self.data[self.pos:end]
        self.pos = end + 1
        return line.decode("utf-8", "strict")

    def _pop(self):
        if not self.stack:
            raise Corrupt("the pickle pops an empty stack")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise Corrupt("the pickle reads an empty stack")
        return self.stack[-1]

    def _pop_mark(self):
        if not self.marks:
            raise Corrupt("the pickle has no MARK to pop")
        items, self.stack = self.stack, self.marks.pop()
        return items

    # --- running ----------------------------------------------------------------------------
    def run(self):
        """The object the pickle describes."""
        while True:
            if self.pos >= len(self.data):
                raise Corrupt("the pickle ends without STOP")
            op = self.data[self.pos:self.pos + 1]
            self.pos += 1
            handler = _OPS.get(op)
            if handler is None:
                name = _NAMES.get(op, f"0x{op.hex()}")
                raise Refused(f"opcode {name}, which a pickle of tensors and plain data does not "
                              f"need")
            if handler is _stop:
                if len(self.stack) != 1 or self.marks:
                    raise Corrupt("the pickle's stack does not hold one object at STOP")
                return self.stack[0]
            handler(self)

    def _call(self, fn, args, how):
        if not isinstance(fn, Global) or self.table.get(fn.name) is None:
            what = fn.name if isinstance(fn, Global) else type(fn).__name__
            raise Refused(f"{how} of {what}, which is not a function the reader allows")
        if type(args) is not tuple:
            raise Corrupt(f"{how} of {fn.name} with arguments of type {type(args).__name__}")
        return self.table[fn.name](*args)


def _stop(m):
    pass  # handled in run()


def _global(m):
    module, name = m._line(), m._line()
    if module == "__builtin__":  # protocol 2 spells Python 3's builtins so
        module = "builtins"
    full = f"{module}.{name}"
    if full not in m.table:
        raise Refused(f"global {full}")
    m.stack.append(Global(full))


def _reduce(m):
    args = m._pop()
    m.stack.append(m._call(m._pop(), args, "REDUCE"))


def _newobj(m):
    args = m._pop()
    m.stack.append(m._call(m._pop(), args, "NEWOBJ"))


def _build(m):
    state = m._pop()
    target = m._top()
    if type(target) is not FreshOrderedDict:
        what = target.name if isinstance(target, Global) else type(target).__name__
        raise Refused(f"BUILD on {what} (only an OrderedDict's attributes may be set, and "
                      f"those are dropped)")
    if not (state is None or isinstance(state, (dict, tuple))):
        raise Corrupt(f"BUILD of an OrderedDict with a state of type {type(state).__name__}")


def _append(m):
    item = m._pop()
    target = m._top()
    if type(target) is not list:
        raise Refused(f"APPEND to {type(target).__name__} (only to a list)")
    target.append(item)


def _appends(m):
    items = m._pop_mark()
    target = m._top()
    if type(target) is not list:
        raise Refused(f"APPENDS to {type(target).__name__} (only to a list)")
    target.extend(items)


def _set_items(m, items, how):
    target = m._top()
    if type(target) not in (dict, FreshOrderedDict):
        raise Refused(f"{how} on {type(target).__name__} (only on a dict)")
    if len(items) % 2:
        raise Corrupt(f"{how} with an odd number of items")
    for k, v in zip(items[::2], items[1::2]):
        if not _flat_key(k):
            raise Corrupt(f"a dict key of type {type(k).__name__}")
        target[k] = v


def _setitem(m):
    v, k = m._pop(), m._pop()
    _set_items(m, [k, v], "SETITEM")


def _setitems(m):
    _set_items(m, m._pop_mark(), "SETITEMS")


def _mark(m):
    m.marks.append(m.stack)
    m.stack = []


def _tuple(m):
    items = tuple(m._pop_mark())  # before reading m.stack: popping the mark replaces it
    m.stack.append(items)


def _tuple_n(n):
    def op(m):
        if len(m.stack) < n:
            raise Corrupt("the pickle pops an empty stack")
        items = tuple(m.stack[-n:])
        del m.stack[-n:]
        m.stack.append(items)
    return op


def _push(value_fn):
    return lambda m: m.stack.append(value_fn())


def _binint(m):
    m.stack.append(struct.unpack("<i", m._take(4))[0])


def _binint1(m):
    m.stack.append(m._take(1)[0])


def _binint2(m):
    m.stack.append(struct.unpack("<H", m._take(2))[0])


def _long1(m):
    m.stack.append(decode_long(m._take(m._take(1)[0])))


def _binfloat(m):
    m.stack.append(struct.unpack(">d", m._take(8))[0])


def _binunicode(m):
    n = struct.unpack("<I", m._take(4))[0]
    try:
        m.stack.append(m._take(n).decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError:
        raise Corrupt("a string that is not UTF-8") from None


def _short_binstring(m):
    raw = m._take(m._take(1)[0])
    try:  # a Python 2 str; torch.load decodes it as UTF-8
        m.stack.append(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Corrupt("a string that is not UTF-8") from None


def _binpersid(m):
    m.stack.append(m.persistent_load(m._pop()))


def _get(size):
    def op(m):
        idx = m._take(1)[0] if size == 1 else struct.unpack("<I", m._take(4))[0]
        if idx not in m.memo:
            raise Corrupt(f"the pickle reads memo entry {idx}, which it never wrote")
        m.stack.append(m.memo[idx])
    return op


def _put(size):
    def op(m):
        idx = m._take(1)[0] if size == 1 else struct.unpack("<I", m._take(4))[0]
        m.memo[idx] = m._top()
    return op


def _empty_set(m):
    m.stack.append(set())


def _proto(m):
    m._take(1)


_OPS = {
    pickle.PROTO: _proto, pickle.STOP: _stop, pickle.GLOBAL: _global,
    pickle.NEWOBJ: _newobj, pickle.REDUCE: _reduce, pickle.BUILD: _build,
    pickle.APPEND: _append, pickle.APPENDS: _appends, pickle.SETITEM: _setitem,
    pickle.SETITEMS: _setitems, pickle.MARK: _mark, pickle.TUPLE: _tuple,
    pickle.TUPLE1: _tuple_n(1), pickle.TUPLE2: _tuple_n(2), pickle.TUPLE3: _tuple_n(3),
    pickle.NONE: _push(lambda: None), pickle.NEWFALSE: _push(lambda: False),
    pickle.NEWTRUE: _push(lambda: True), pickle.EMPTY_TUPLE: _push(tuple),
    pickle.EMPTY_LIST: _push(list), pickle.EMPTY_DICT: _push(dict), pickle.EMPTY_SET: _empty_set,
    pickle.BININT: _binint, pickle.BININT1: _binint1, pickle.BININT2: _binint2,
    pickle.BINFLOAT: _binfloat, pickle.BINUNICODE: _binunicode,
    pickle.SHORT_BINSTRING: _short_binstring, pickle.LONG1: _long1,
    pickle.BINPERSID: _binpersid, pickle.BINGET: _get(1), pickle.LONG_BINGET: _get(4),
    pickle.BINPUT: _put(1), pickle.LONG_BINPUT: _put(4),
}

# names for the refusal message, from pickle's own opcode table
_NAMES = {getattr(pickle, n): n for n in dir(pickle)
          if n.isupper() and isinstance(getattr(pickle, n), bytes) and len(getattr(pickle, n)) == 1}
