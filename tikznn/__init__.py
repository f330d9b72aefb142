"""tikznn: neural-network architecture figures from a short description, drawn with TikZ."""
from .errors import (LatexError, LatexNotFound, LayoutError, ModelError, OutputError, ParseError, ShapeError,
                     TikznnError)
from .model import Network
from .parser import parse
from .pipeline import build, parse_file, to_tex

__all__ = ["Network", "parse", "parse_file", "to_tex", "build", "TikznnError", "ParseError", "ModelError", "ShapeError",
           "LayoutError", "LatexError", "LatexNotFound", "OutputError"]
__version__ = "0.1.0"
