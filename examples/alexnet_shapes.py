"""The output shape after every layer of AlexNet and LeNet-5, and their parameter counts
(seeds/004, exercises 2-4).

A random 1×3×224×224 image goes through AlexNet one layer at a time, walking the model with
``children()`` as the seed suggests; each layer's parameters are counted by hand
(out × in × kh × kw + out for a convolution, out × in + out for a dense layer) and checked
against ``sum(p.numel() for p in model.parameters())``: 61,100,840 for AlexNet, 61,706 for
LeNet-5 on a 1×1×28×28 image. ``--table`` also prints ``galton.summary``'s table.

Run:  python examples/alexnet_shapes.py [--table]
"""
import argparse

import galton as torch
import galton.nn as nn
from galton.summary import summary
from galton.vision import models


def by_hand(layer):
    """The parameter count of a layer written out, e.g. '64 x 3 x 11 x 11 + 64 = 23,296'."""
    if isinstance(layer, nn.Conv2d):
        out, inp, kh, kw = layer.weight.shape
        n = out * inp * kh * kw + (out if layer.bias is not None else 0)
        return f'{out} x {inp} x {kh} x {kw} + {out} = {n:,}', n
    if isinstance(layer, nn.Linear):
        n = layer.out_features * layer.in_features + layer.out_features
        return f'{layer.out_features} x {layer.in_features} + {layer.out_features} = {n:,}', n
    return '', 0


def starts_dense(layer):
    """Whether the first layer with weights in ``layer`` is a Linear one."""
    for m in layer.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            return isinstance(m, nn.Linear)
    return False


def walk(module, x, prefix='', counted=None):
    """Run x through module's children one by one, printing each output shape."""
    for name, layer in module.named_children():
        full = f'{prefix}{name}'
        if x.dim() > 2 and starts_dense(layer):
            # the model's forward flattens between the conv part and the classifier
            x = x.flatten(1)
            print(f'{"(flatten)":<16}{"":<20}{str(list(x.shape)):<22}')
        if list(layer.children()):
            x = walk(layer, x, full + '.', counted)
            continue
        x = layer(x)
        formula, n = by_hand(layer)
        counted.append(n)
        print(f'{full:<16}{type(layer).__name__:<20}{str(list(x.shape)):<22}{formula}')
    return x


def show(model, shape, label):
    print(f'\n{label}: input {list(shape)}')
    print(f'{"layer":<16}{"type":<20}{"output shape":<22}parameters')
    model.eval()  # dropout off, so the walk and model(x) agree exactly
    x = torch.randn(*shape)
    counted = []
    with torch.no_grad():
        out = walk(model, x, counted=counted)
        same = torch.allclose(out, model(x), atol=1e-5)
    total = sum(p.numel() for p in model.parameters())
    print(f'Parameters counted by hand: {sum(counted):,}; '
          f'sum(p.numel() for p in model.parameters()): {total:,}')
    print(f'Layer-by-layer output equals model(x): {same}')
    return total, model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--table', action='store_true', help="also print galton.summary's tables")
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)

    total, alexnet = show(models.alexnet(), (1, 3, 224, 224), 'AlexNet')
    head = sum(q.numel() for q in alexnet.classifier.parameters())
    print(f'The classifier holds {head:,} of the {total:,} parameters '
          f'({100 * head / total:.1f}%): that is where the network can memorise its training '
          'set, which is why AlexNet puts Dropout in the classifier only (exercise 4).')
    show(models.lenet5(), (1, 1, 28, 28), 'LeNet-5')
    if args.table:
        summary(alexnet, (1, 3, 224, 224))
        summary(models.lenet5(), (1, 1, 28, 28))
    print('\nExpected: AlexNet 61,100,840 parameters, output [1, 1000]; '
          'LeNet-5 61,706 parameters, output [1, 10].')


if __name__ == '__main__':
    main()
