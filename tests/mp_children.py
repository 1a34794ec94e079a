"""What the processes of tests/test_multiprocessing.py run: importable by name (spawn pickles a
function as its module and name) and light (galton only, never torch)."""
import galton


def add_ones(i, tensor, lock, times):
    """Add 1 to every element, ``times`` times, under ``lock`` (read-modify-write is not
    atomic)."""
    for _ in range(times):
        with lock:
            tensor.add_(1)


def fail_in_one(i, tensor):
    if i == 1:
        raise ValueError(f"process {i} gives up on a tensor of shape {tuple(tensor.shape)}")
    tensor[i] = 7.0


def exit_with(i, code):
    raise SystemExit(code)


def echo(inbox, outbox):
    """Take tensors from ``inbox``, add 10 to each in place, send it back; None stops."""
    while True:
        t = inbox.get()
        if t is None:
            return
        t.add_(10)
        outbox.put(t)


def train(model, batches, lr):
    """One Hogwild worker: its own optimizer, the shared parameters."""
    opt = galton.optim.SGD(model.parameters(), lr=lr)
    for x, y in batches:
        opt.zero_grad()
        galton.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
