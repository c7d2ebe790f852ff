"""Compatibility layers for code written against other autodiff libraries.

- ``microgradx.compat.micrograd``: karpathy's micrograd (``Value``, ``Neuron``, ``Layer``,
  ``MLP``) and the lecture's ``trace`` / ``draw_dot``; change the imports, keep the code.
  Its ``engine`` and ``nn`` submodules mirror micrograd's, so ``from micrograd.nn import
  MLP`` becomes ``from microgradx.compat.micrograd.nn import MLP``.
"""

from microgradx.compat import micrograd

__all__ = ["micrograd"]
