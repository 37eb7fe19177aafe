"""Networks and training loops of the deep methods, apart from their plugin glue.

Each module here holds what one family of models trains and samples with (as synthcity keeps
``core/models``): :mod:`.ctgan` (ctgan/copulagan loop), :mod:`.tvae`, :mod:`.wgan_gp`. The
plugin classes that the registry lists live one level up, one file per method. Nothing here
imports torch, ctgan or sdv at module import time.
"""
