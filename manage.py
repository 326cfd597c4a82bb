#!/usr/bin/env python
"""Same as the `accord` command, for habit."""

from accord.cli import main

if __name__ == "__main__":
    main()
