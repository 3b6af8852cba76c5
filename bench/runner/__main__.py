import sys

from novalite.bench.runner import cli

sys.exit(cli.main())
