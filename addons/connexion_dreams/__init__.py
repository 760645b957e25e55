"""Hospitals, children, dreams and hospital visits."""
