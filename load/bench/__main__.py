"""`python -m load.bench`: the benchmark table (`load.bench.table`)."""

import sys

from load.bench.table import main

sys.exit(main())
