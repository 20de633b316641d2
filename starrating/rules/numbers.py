"""Exact arithmetic shared by the evaluator and the explanations: the context and rounding."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ZERO = Decimal(0)
CENT = Decimal("0.01")
#: 60 digits: sums of cent amounts stay exact; invalid operations raise
CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero])


def round_score(value: Decimal | Fraction) -> Decimal:
    """Round half away from zero to 2 decimal places, exactly."""
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)
    scaled = abs(value) * 100
    q = int(scaled)
    if scaled - q >= Fraction(1, 2):
        q += 1
    return Decimal(q if value >= 0 else -q).scaleb(-2)
