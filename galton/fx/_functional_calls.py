"""How PyTorch's Python ``nn.functional`` functions pass a Proxy call on to
``__torch_function__``: their required parameters by position, every optional one by keyword
with its value (the default when the caller left it out), in signature order. A graph traced
with PyTorch therefore reads ``relu(x, inplace = False)`` where the program wrote ``F.relu(x)``;
galton.fx records those calls the same way. ``{name: (required names, ((optional name,
default), ...))}``, read from PyTorch 2.13's signatures for the functions whose recorded call
has that form (functions implemented in C record their arguments as passed, and are absent).
"""

TABLE = {
    'adaptive_avg_pool2d': (('input', 'output_size'), ()),
    'adaptive_avg_pool3d': (('input', 'output_size'), ()),
    'adaptive_max_pool1d_with_indices': (('input', 'output_size'), (('return_indices', False),)),
    'adaptive_max_pool2d_with_indices': (('input', 'output_size'), (('return_indices', False),)),
    'adaptive_max_pool3d_with_indices': (('input', 'output_size'), (('return_indices', False),)),
    'affine_grid': (('theta', 'size'), (('align_corners', None),)),
    'alpha_dropout': (('input',), (('p', 0.5), ('training', False), ('inplace', False))),
    'batch_norm': (('input', 'running_mean', 'running_var'), (('weight', None), ('bias', None), ('training', False), ('momentum', 0.1), ('eps', 1e-05))),
    'binary_cross_entropy': (('input', 'target'), (('weight', None), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'binary_cross_entropy_with_logits': (('input', 'target'), (('weight', None), ('size_average', None), ('reduce', None), ('reduction', 'mean'), ('pos_weight', None))),
    'celu': (('input',), (('alpha', 1.0), ('inplace', False))),
    'cosine_embedding_loss': (('input1', 'input2', 'target'), (('margin', 0), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'cross_entropy': (('input', 'target'), (('weight', None), ('size_average', None), ('ignore_index', -100), ('reduce', None), ('reduction', 'mean'), ('label_smoothing', 0.0))),
    'ctc_loss': (('log_probs', 'targets', 'input_lengths', 'target_lengths'), (('blank', 0), ('reduction', 'mean'), ('zero_infinity', False))),
    'dropout': (('input',), (('p', 0.5), ('training', True), ('inplace', False))),
    'dropout1d': (('input',), (('p', 0.5), ('training', True), ('inplace', False))),
    'dropout2d': (('input',), (('p', 0.5), ('training', True), ('inplace', False))),
    'dropout3d': (('input',), (('p', 0.5), ('training', True), ('inplace', False))),
    'elu': (('input',), (('alpha', 1.0), ('inplace', False))),
    'embedding': (('input', 'weight'), (('padding_idx', None), ('max_norm', None), ('norm_type', 2.0), ('scale_grad_by_freq', False), ('sparse', False))),
    'embedding_bag': (('input', 'weight'), (('offsets', None), ('max_norm', None), ('norm_type', 2), ('scale_grad_by_freq', False), ('mode', 'mean'), ('sparse', False), ('per_sample_weights', None), ('include_last_offset', False), ('padding_idx', None))),
    'feature_alpha_dropout': (('input',), (('p', 0.5), ('training', False), ('inplace', False))),
    'fold': (('input', 'output_size', 'kernel_size'), (('dilation', 1), ('padding', 0), ('stride', 1))),
    'fractional_max_pool2d_with_indices': (('input', 'kernel_size'), (('output_size', None), ('output_ratio', None), ('return_indices', False), ('_random_samples', None))),
    'fractional_max_pool3d_with_indices': (('input', 'kernel_size'), (('output_size', None), ('output_ratio', None), ('return_indices', False), ('_random_samples', None))),
    'gaussian_nll_loss': (('input', 'target', 'var'), (('full', False), ('eps', 1e-06), ('reduction', 'mean'))),
    'glu': (('input',), (('dim', -1),)),
    'grid_sample': (('input', 'grid'), (('mode', 'bilinear'), ('padding_mode', 'zeros'), ('align_corners', None))),
    'group_norm': (('input', 'num_groups'), (('weight', None), ('bias', None), ('eps', 1e-05))),
    'grouped_mm': (('mat_a', 'mat_b'), (('offs', None), ('bias', None), ('out_dtype', None))),
    'gumbel_softmax': (('logits',), (('tau', 1), ('hard', False), ('eps', 1e-10), ('dim', -1))),
    'hardsigmoid': (('input',), (('inplace', False),)),
    'hardswish': (('input',), (('inplace', False),)),
    'hardtanh': (('input',), (('min_val', -1.0), ('max_val', 1.0), ('inplace', False))),
    'hinge_embedding_loss': (('input', 'target'), (('margin', 1.0), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'huber_loss': (('input', 'target'), (('reduction', 'mean'), ('delta', 1.0), ('weight', None))),
    'instance_norm': (('input',), (('running_mean', None), ('running_var', None), ('weight', None), ('bias', None), ('use_input_stats', True), ('momentum', 0.1), ('eps', 1e-05))),
    'interpolate': (('input',), (('size', None), ('scale_factor', None), ('mode', 'nearest'), ('align_corners', None), ('recompute_scale_factor', None), ('antialias', False))),
    'kl_div': (('input', 'target'), (('size_average', None), ('reduce', None), ('reduction', 'mean'), ('log_target', False))),
    'layer_norm': (('input', 'normalized_shape'), (('weight', None), ('bias', None), ('eps', 1e-05))),
    'leaky_relu': (('input',), (('negative_slope', 0.01), ('inplace', False))),
    'linear_cross_entropy': (('input', 'linear_weight', 'target'), (('linear_bias', None), ('weight', None), ('reduction', 'mean'), ('ignore_index', None), ('label_smoothing', 0.0), ('options', None))),
    'local_response_norm': (('input', 'size'), (('alpha', 0.0001), ('beta', 0.75), ('k', 1.0))),
    'log_softmax': (('input',), (('dim', None), ('_stacklevel', 3), ('dtype', None))),
    'lp_pool1d': (('input', 'norm_type', 'kernel_size'), (('stride', None), ('ceil_mode', False))),
    'lp_pool2d': (('input', 'norm_type', 'kernel_size'), (('stride', None), ('ceil_mode', False))),
    'lp_pool3d': (('input', 'norm_type', 'kernel_size'), (('stride', None), ('ceil_mode', False))),
    'margin_ranking_loss': (('input1', 'input2', 'target'), (('margin', 0), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'max_pool1d': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_pool1d_with_indices': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_pool2d': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_pool2d_with_indices': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_pool3d': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_pool3d_with_indices': (('input', 'kernel_size'), (('stride', None), ('padding', 0), ('dilation', 1), ('ceil_mode', False), ('return_indices', False))),
    'max_unpool1d': (('input', 'indices', 'kernel_size'), (('stride', None), ('padding', 0), ('output_size', None))),
    'max_unpool2d': (('input', 'indices', 'kernel_size'), (('stride', None), ('padding', 0), ('output_size', None))),
    'max_unpool3d': (('input', 'indices', 'kernel_size'), (('stride', None), ('padding', 0), ('output_size', None))),
    'mish': (('input',), (('inplace', False),)),
    'mse_loss': (('input', 'target'), (('size_average', None), ('reduce', None), ('reduction', 'mean'), ('weight', None))),
    'multi_margin_loss': (('input', 'target'), (('p', 1), ('margin', 1.0), ('weight', None), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'multilabel_margin_loss': (('input', 'target'), (('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'multilabel_soft_margin_loss': (('input', 'target'), (('weight', None), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'nll_loss': (('input', 'target'), (('weight', None), ('size_average', None), ('ignore_index', -100), ('reduce', None), ('reduction', 'mean'))),
    'normalize': (('input',), (('p', 2.0), ('dim', 1), ('eps', 1e-12), ('out', None))),
    'pad': (('input', 'pad'), (('mode', 'constant'), ('value', None))),
    'poisson_nll_loss': (('input', 'target'), (('log_input', True), ('full', False), ('size_average', None), ('eps', 1e-08), ('reduce', None), ('reduction', 'mean'))),
    'relu': (('input',), (('inplace', False),)),
    'relu6': (('input',), (('inplace', False),)),
    'rms_norm': (('input', 'normalized_shape'), (('weight', None), ('eps', None))),
    'rrelu': (('input',), (('lower', 0.125), ('upper', 0.3333333333333333), ('training', False), ('inplace', False))),
    'selu': (('input',), (('inplace', False),)),
    'silu': (('input',), (('inplace', False),)),
    'smooth_l1_loss': (('input', 'target'), (('size_average', None), ('reduce', None), ('reduction', 'mean'), ('beta', 1.0))),
    'soft_margin_loss': (('input', 'target'), (('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'softmax': (('input',), (('dim', None), ('_stacklevel', 3), ('dtype', None))),
    'softmin': (('input',), (('dim', None), ('_stacklevel', 3), ('dtype', None))),
    'softsign': (('input',), ()),
    'tanhshrink': (('input',), ()),
    'threshold': (('input', 'threshold', 'value'), (('inplace', False),)),
    'triplet_margin_loss': (('anchor', 'positive', 'negative'), (('margin', 1.0), ('p', 2), ('eps', 1e-06), ('swap', False), ('size_average', None), ('reduce', None), ('reduction', 'mean'))),
    'triplet_margin_with_distance_loss': (('anchor', 'positive', 'negative'), (('distance_function', None), ('margin', 1.0), ('swap', False), ('reduction', 'mean'))),
    'unfold': (('input', 'kernel_size'), (('dilation', 1), ('padding', 0), ('stride', 1))),
}


def normalise(name, args, kwargs):
    """``(args, kwargs)`` as PyTorch records ``F.<name>(*args, **kwargs)``; unchanged for
    functions not in the table or calls that do not bind to PyTorch's signature."""
    row = TABLE.get(name)
    if row is None:
        return args, kwargs
    required, optional = row
    names = list(required) + [k for k, _ in optional]
    if len(args) > len(names):
        return args, kwargs
    bound = dict(zip(names, args))
    for k, v in kwargs.items():
        if k in bound or k not in names:
            return args, kwargs
        bound[k] = v
    if any(r not in bound for r in required):
        return args, kwargs
    return tuple(bound[r] for r in required), {k: bound.get(k, d) for k, d in optional}
