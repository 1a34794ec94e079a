"""Random numbers: a ``Generator`` (NumPy's PCG64 inside) and the global default one."""
import numpy as np


class Generator:
    """A source of random numbers, as ``torch.Generator``: ``g = Generator().manual_seed(0)``."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor-free JSON-able dict (PCG64's state)."""
        return dict(self.rng.bit_generator.state)

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed galton's global generator (and return it), as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng(generator=None):
    """The NumPy generator to draw from."""
    return (generator or default_generator).rng
