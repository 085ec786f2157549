import sys

from tests.judges import main

sys.exit(main())
