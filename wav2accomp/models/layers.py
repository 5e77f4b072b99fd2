"""Numpy forward passes of the layers the models are made of, reading torch's weight layout (no torch).

The shipped models are small recurrent networks; running them needs a linear
layer, a ReLU and an LSTM. :func:`lstm` follows ``torch.nn.LSTM`` exactly —
gates in the order input, forget, cell, output; both biases; ``_reverse``
weights for the backward direction; zero initial state unless given — so a
weight file written from a torch model (``NAME.npz``: the ``state_dict`` as
float32 arrays) runs here unchanged, equal to torch within float32 rounding.
"""
from __future__ import annotations

import numpy as np


def linear(x: np.ndarray, weights: dict, name: str) -> np.ndarray:
    """``x @ W.T + b`` of the linear layer `name` (``name.weight``, ``name.bias``)."""
    return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large arguments."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def lstm(x: np.ndarray, weights: dict, name: str, *, layers: int = 1, bidirectional: bool = False,
         state: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A (stacked, optionally bidirectional) LSTM over ``(B, T, F)`` inputs, as ``torch.nn.LSTM(batch_first=True)``.

    Parameters
    ----------
    weights : dict
        ``name.weight_ih_l{k}``, ``name.weight_hh_l{k}``, ``name.bias_ih_l{k}``, ``name.bias_hh_l{k}`` (and
        ``..._reverse``) arrays.
    state : (h0, c0), optional
        Initial hidden and cell state, ``(layers * directions, B, H)`` each; zeros by default.

    Returns
    -------
    outputs : np.ndarray
        ``(B, T, H * directions)``, the last layer's hidden states.
    (h_n, c_n) : tuple of np.ndarray
        Final states, ``(layers * directions, B, H)`` each.
    """
    directions = 2 if bidirectional else 1
    finals_h, finals_c = [], []
    for layer in range(layers):
        rows = slice(layer * directions, (layer + 1) * directions)
        initial = None if state is None else (state[0][rows], state[1][rows])
        outs, (h, c) = _recurrence([(x, *_direction(weights, name, layer, d)) for d in range(directions)], initial)
        x = np.concatenate(outs, axis=-1) if directions == 2 else outs[0]
        finals_h.append(h)
        finals_c.append(c)
    return x, (np.concatenate(finals_h), np.concatenate(finals_c))


def lstm_many(xs: list[np.ndarray], weights: list[dict], name: str, *, layers: int = 1,
              bidirectional: bool = False) -> list[np.ndarray]:
    """The LSTM `name` of several models of the same sizes at once, each on its own ``(B, T, F)`` inputs, in one
    recurrence (a step costs about what it costs for one model); the outputs of each, as :func:`lstm` gives them."""
    directions = 2 if bidirectional else 1
    for layer in range(layers):
        entries = [(x, *_direction(w, name, layer, d)) for x, w in zip(xs, weights) for d in range(directions)]
        outs, _ = _recurrence(entries, None)
        xs = [np.concatenate(outs[i:i + directions], axis=-1) if directions == 2 else outs[i]
              for i in range(0, len(outs), directions)]
    return xs


def _direction(weights: dict, name: str, layer: int, direction: int):
    """(w_ih, w_hh, summed bias, reverse) of one direction of one layer."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    return (weights[f"{name}.weight_ih{suffix}"], weights[f"{name}.weight_hh{suffix}"],
            weights[f"{name}.bias_ih{suffix}"] + weights[f"{name}.bias_hh{suffix}"], bool(direction))


def _recurrence(entries: list, initial) -> tuple[list[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Several LSTM directions stepped together: ``entries`` of (inputs (B, T, F), w_ih, w_hh, bias, reverse), all
    of one hidden size and length; the input projections of every step at once, then one batched recurrence (a
    reverse direction reads its sequence backwards). Returns each entry's ``(B, T, H)`` outputs and the final
    states ``(K, B, H)``.

    The gates are reordered (input, forget, output, cell) and the sigmoid gates' weights halved, so that one
    ``tanh`` per step gives all four: sigmoid(a) = (1 + tanh(a / 2)) / 2.
    """
    batch, n_steps, _ = entries[0][0].shape
    dtype, hidden = entries[0][0].dtype, entries[0][2].shape[1]
    order = np.r_[0:2 * hidden, 3 * hidden:4 * hidden, 2 * hidden:3 * hidden]
    scale = np.where(np.arange(4 * hidden) < 3 * hidden, 0.5, 1.0).astype(dtype)
    projected = np.stack([((x @ w_ih.T + bias)[..., order] * scale)[:, ::-1 if reverse else 1]
                          for x, w_ih, _, bias, reverse in entries])                      # (K, B, T, 4H)
    recurrent = np.stack([w_hh.T[:, order] * scale for _, _, w_hh, _, _ in entries])     # (K, H, 4H)
    shape = (len(entries), batch, hidden)
    h = np.zeros(shape, dtype=dtype) if initial is None else np.array(initial[0], dtype=dtype)
    c = np.zeros(shape, dtype=dtype) if initial is None else np.array(initial[1], dtype=dtype)
    out = np.empty(shape[:2] + (n_steps, hidden), dtype=dtype)
    gates = np.empty(shape[:2] + (4 * hidden,), dtype=dtype)
    sigmoids, cell = gates[..., :3 * hidden], gates[..., 3 * hidden:]
    entry, forget, output = gates[..., :hidden], gates[..., hidden:2 * hidden], gates[..., 2 * hidden:3 * hidden]
    for t in range(n_steps):
        np.matmul(h, recurrent, out=gates)
        gates += projected[:, :, t]
        np.tanh(gates, out=gates)
        sigmoids *= 0.5
        sigmoids += 0.5
        c *= forget
        c += entry * cell
        h = output * np.tanh(c)
        out[:, :, t] = h
    return [out[k][:, ::-1] if entries[k][4] else out[k] for k in range(len(entries))], (h, c)


def linear_shapes(name: str, inputs: int, outputs: int) -> dict[str, tuple]:
    """Weight names and shapes of ``torch.nn.Linear(inputs, outputs)`` called `name`."""
    return {f"{name}.weight": (outputs, inputs), f"{name}.bias": (outputs,)}


def lstm_shapes(name: str, inputs: int, hidden: int, *, layers: int = 1, bidirectional: bool = False) -> dict:
    """Weight names and shapes of ``torch.nn.LSTM(inputs, hidden, layers, bidirectional=...)`` called `name`."""
    directions = 2 if bidirectional else 1
    shapes = {}
    for layer in range(layers):
        width = inputs if layer == 0 else hidden * directions
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            shapes.update({f"{name}.weight_ih{suffix}": (4 * hidden, width), f"{name}.weight_hh{suffix}": (4 * hidden, hidden),
                           f"{name}.bias_ih{suffix}": (4 * hidden,), f"{name}.bias_hh{suffix}": (4 * hidden,)})
    return shapes
