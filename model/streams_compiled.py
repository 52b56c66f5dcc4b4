"""Compiled uniforms of model/streams.py (model/kernels.py: the switch): numpy's PCG64 generator stepped in a
kernel from a kept state, so a small draw costs no generator state set from a dict and no Generator call.

PCG64 as numpy implements it (numpy/random/src/pcg64, after O'Neill 2014): a 128-bit linear congruential state
s' = s * MULTIPLIER + inc (mod 2^128), stepped before each output; the output is the XSL-RR permutation of s',
(high ^ low) rotated right by the top 6 bits of s'; a double is the output's top 53 bits times 2^-53 (numpy's
next_double). The 128-bit step is one LLVM i128 multiply-add (`lcg_step`). tests/test_kernels_fuse_a.py draws
with numpy's Generator and with this kernel from many seeded states and sizes: the same doubles bit for bit.
"""

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
"""PCG64's 128-bit multiplier (PCG_DEFAULT_MULTIPLIER_128)."""
MASK_64 = (1 << 64) - 1
DOUBLE_UNIT = 1.0 / 9007199254740992.0
"""2^-53: a 53-bit integer times it is a double in [0, 1)."""


@intrinsic
def lcg_step(typingctx, high, low, increment_high, increment_low):
    """The next 128-bit state (high, low): (high, low) * MULTIPLIER + increment, mod 2^128, in LLVM's i128."""
    signature = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, sig, args):
        wide, word = ir.IntType(128), ir.IntType(64)

        def joined(high_word, low_word):
            return builder.or_(builder.shl(builder.zext(high_word, wide), ir.Constant(wide, 64)),
                               builder.zext(low_word, wide))

        state = builder.add(builder.mul(joined(args[0], args[1]), ir.Constant(wide, MULTIPLIER)),
                            joined(args[2], args[3]))
        parts = [builder.trunc(builder.lshr(state, ir.Constant(wide, 64)), word), builder.trunc(state, word)]
        return context.make_tuple(builder, sig.return_type, parts)

    return signature, codegen


@numba.njit(cache=True)
def to_double(high, low) -> float:
    """The double of a state: its XSL-RR output's top 53 bits times 2^-53."""
    mixed = high ^ low
    rotation = high >> np.uint64(58)
    output = (mixed >> rotation) | (mixed << ((np.uint64(64) - rotation) & np.uint64(63)))
    return np.float64(output >> np.uint64(11)) * DOUBLE_UNIT


def words(state: dict) -> np.ndarray:
    """A seeded PCG64 state (numpy's `bit_generator.state`) as the kernels take it: the state's high and low 64
    bits, then the increment's."""
    value, increment = state["state"]["state"], state["state"]["inc"]
    return np.array([value >> 64, value & MASK_64, increment >> 64, increment & MASK_64], dtype=np.uint64)


@numba.njit(cache=True)
def uniforms(words, size):
    """The first `size` uniforms of the stream in `words`, as numpy's Generator.random(size) draws them."""
    high, low, increment_high, increment_low = words[0], words[1], words[2], words[3]
    out = np.empty(size)
    for at in range(size):
        high, low = lcg_step(high, low, increment_high, increment_low)
        out[at] = to_double(high, low)
    return out
