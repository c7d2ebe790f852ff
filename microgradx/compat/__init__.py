"""Compatibility layers for code written against other autodiff libraries."""
