"""The offline base map: vector tiles, their style and the label glyphs, served by the app."""
