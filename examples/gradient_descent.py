"""The book's worked gradient-descent example (seeds/002): one neuron y = w*x, squared error.

x = 2, y = 6, w = 1, learning rate 0.1  ->  loss 16, gradient -16, w becomes 2.6.
"""
import galton as torch

x, y = torch.tensor(2.0), torch.tensor(6.0)
w = torch.tensor(1.0, requires_grad=True)
lr = 0.1

for step in range(1, 4):
    loss = (w * x - y) ** 2  # the prediction error, squared
    loss.backward()  # d(loss)/dw = 2 * (w*x - y) * x
    print(f"step {step}: w = {w.item():.4f}  loss = {loss.item():.4f}  gradient = {w.grad.item():.4f}",
          end="")
    with torch.no_grad():
        w -= lr * w.grad  # the gradient-descent step
    w.grad = None
    print(f"  ->  w = {w.item():.4f}")
