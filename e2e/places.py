"""Test places for the browser journeys: one gemeente → wijk → buurt, each about 2 × 2 km."""

from __future__ import annotations

from tests.factories import AreaFactory, square

from samenveilig.areas.models import Area, AreaLevel


def proefstad(number: int) -> tuple[Area, Area, Area]:
    """Gemeente Proefstad (``GM09{number}``) with wijk Centrum and buurt Marktbuurt, all covering
    the same square. Each journey module takes its own number so codes never collide."""
    code = f"09{number:02d}"
    gm = AreaFactory(
        code=f"GM{code}",
        name="Proefstad",
        level=AreaLevel.MUNICIPALITY,
        geometry=square(52.0, 5.0, 0.02),
    )
    wk = AreaFactory(
        code=f"WK{code}01",
        name="Centrum",
        level=AreaLevel.DISTRICT,
        parent=gm,
        geometry=square(52.0, 5.0, 0.02),
    )
    bu = AreaFactory(
        code=f"BU{code}0101", name="Marktbuurt", parent=wk, geometry=square(52.0, 5.0, 0.02)
    )
    return gm, wk, bu
