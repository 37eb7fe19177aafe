"""Built-in generators, one module per method; :mod:`gensample.registry` lists them by import path.

Nothing is imported here, so that ``import gensample`` stays fast: a method's module (and its
libraries) load when the method is first asked for.
"""
