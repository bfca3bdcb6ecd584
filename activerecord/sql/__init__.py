"""The neutral SQL layer: an immutable node tree (``nodes``) and one compiler."""

from . import nodes
from .compiler import Compiler

__all__ = ["Compiler", "nodes"]
