from rearguard.cli import main

raise SystemExit(main())
