"""Hospitals, children, dreams and hospital visits."""
# My visits and dreams on the volunteer portal's home page.
from . import portal

__all__ = [portal]
