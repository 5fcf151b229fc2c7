"""python -m picofax.cycles: cycles per sample of the C core on an emulated RP2040."""
import sys

from picofax.cycles import main

sys.exit(main())
