"""Compatibility layers for code written against other autodiff libraries.

- ``microgradx.compat.micrograd``: karpathy's micrograd (``Value``, ``Neuron``, ``Layer``,
  ``MLP``) and the lecture's ``trace`` / ``draw_dot``; change the imports, keep the code.
"""

from microgradx.compat import micrograd

__all__ = ["micrograd"]
