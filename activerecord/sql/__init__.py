"""The neutral SQL layer: an immutable node tree (``nodes``) and one compiler."""

from .compiler import Compiler
from . import nodes

__all__ = ["Compiler", "nodes"]
