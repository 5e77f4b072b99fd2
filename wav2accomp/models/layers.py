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
        results = []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            index = layer * directions + direction
            initial = None if state is None else (state[0][index], state[1][index])
            out, (h, c) = _lstm_direction(x, weights[f"{name}.weight_ih{suffix}"], weights[f"{name}.weight_hh{suffix}"],
                                          weights[f"{name}.bias_ih{suffix}"] + weights[f"{name}.bias_hh{suffix}"],
                                          reverse=bool(direction), initial=initial)
            results.append(out)
            finals_h.append(h)
            finals_c.append(c)
        x = results[0] if directions == 1 else np.concatenate(results, axis=-1)
    return x, (np.stack(finals_h), np.stack(finals_c))


def _lstm_direction(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray, *, reverse: bool,
                    initial: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """One direction of one layer: the input projections of every step at once, then the recurrence."""
    batch, n_steps, _ = x.shape
    hidden = w_hh.shape[1]
    projected = x @ w_ih.T + bias                                   # (B, T, 4H)
    recurrent = np.ascontiguousarray(w_hh.T)
    h = np.zeros((batch, hidden), dtype=x.dtype) if initial is None else initial[0].astype(x.dtype)
    c = np.zeros((batch, hidden), dtype=x.dtype) if initial is None else initial[1].astype(x.dtype)
    out = np.empty((batch, n_steps, hidden), dtype=x.dtype)
    for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
        gates = projected[:, t] + h @ recurrent
        gated = sigmoid(gates)
        c = gated[:, hidden:2 * hidden] * c + gated[:, :hidden] * np.tanh(gates[:, 2 * hidden:3 * hidden])
        h = gated[:, 3 * hidden:] * np.tanh(c)
        out[:, t] = h
    return out, (h, c)


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
