"""Geography of 真如镇街道: geodata loaders, 居委 zones, coordinates and basemaps.

Submodules are imported explicitly (``from layers import geodata``) so that importing the
package stays cheap.
"""

from __future__ import annotations
