"""One module per `debitorsim` subcommand.

Each module exposes ``NAME``, ``HELP``, ``configure(parser)`` to add its
arguments and ``run(args) -> int``. `debitorsim.cli` lists them in `COMMANDS`.
"""
