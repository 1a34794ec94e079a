"""Word-level LSTM language model (as pytorch/examples' word_language_model): 2 layers of 200
units, vocabulary 10,000, bptt 35, batch 20, SGD lr 20 with gradient clipping 0.25."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402

WORKLOAD = "word LSTM LM (2 x 200, vocab 10k), 20 steps of bptt 35, batch 20, SGD + clipping"
VOCAB = 10000


def setup(fw):
    nn = fw.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(VOCAB, 200)
            self.rnn = nn.LSTM(200, 200, 2)
            self.decoder = nn.Linear(200, VOCAB)

        def forward(self, tokens, h, c):
            out, (h, c) = self.rnn(self.encoder(tokens), (h, c))
            return self.decoder(out).view(-1, VOCAB), h, c

    rng = np.random.default_rng(0)
    data = fw.from_numpy(rng.integers(0, VOCAB, (20 * 35 + 1, 20)).astype(np.int64))
    fw.manual_seed(0)
    model = maybe_compile(fw, LM())
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())

    def step():
        h = fw.zeros(2, 20, 200)
        c = fw.zeros(2, 20, 200)
        for i in range(0, 20 * 35, 35):
            x, y = data[i:i + 35], data[i + 1:i + 36].reshape(-1)
            h, c = h.detach(), c.detach()
            model.zero_grad()
            out, h, c = model(x, h, c)
            loss_fn(out, y).backward()
            nn.utils.clip_grad_norm_(params, 0.25)
            with fw.no_grad():
                for p in params:
                    p.add_(p.grad, alpha=-20)
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=2, warmup=1)
