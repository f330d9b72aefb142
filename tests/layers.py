"""Every layer class, for tests that look at a network's layers by class (each is declared in tikznn/kinds)."""
from tikznn.kinds.activation import Activation  # noqa: F401
from tikznn.kinds.convolution import Conv, Deconv  # noqa: F401
from tikznn.kinds.dense import Dense, Dropout, Flatten  # noqa: F401
from tikznn.kinds.input import Input  # noqa: F401
from tikznn.kinds.merge import Add, Concat  # noqa: F401
from tikznn.kinds.normalization import BatchNorm  # noqa: F401
from tikznn.kinds.operation import Operation  # noqa: F401
from tikznn.kinds.pooling import Pool  # noqa: F401
from tikznn.kinds.resampling import PixelShuffle, Upsample  # noqa: F401
from tikznn.kinds.sequence import GRU, LSTM, Attention, Embedding, Encoder, LayerNorm, Recurrent  # noqa: F401
from tikznn.layer import Layer  # noqa: F401
