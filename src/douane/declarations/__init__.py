"""Goods declarations: the detailed declaration, its validation, lifecycle, numbering and control."""
